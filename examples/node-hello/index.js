/**
 * A sample impulse function for Node.js.
 *
 * skyhook(request, meta) is called for every POST to the chamber's port with the decoded JSON body
 * as `request`; `meta` carries the chamber id, app, version, request path and headers. Whatever it
 * returns (or its promise resolves to) is sent back as JSON.
 */

let calls = 0;

exports.skyhook = function skyhook(request, meta) {
  calls += 1;
  const name = request?.name ?? 'world';
  console.log(`greeting ${name} (call ${calls} in ${meta.chamber_id})`);
  return {
    greeting: `hello, ${name}`,
    calls,
    node: process.versions.node,
    chamber: meta.chamber_id,
    path: meta.path,
  };
};
