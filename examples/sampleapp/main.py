"""A sample impulse function.

skyhook(request, meta) is called for every POST to the chamber's port with the decoded JSON body
as `request`; `meta` carries the chamber id, app, version, request path and headers. Whatever it
returns is sent back as JSON.
"""

import platform

calls = 0


def skyhook(request, meta):
    global calls
    calls += 1
    name = request.get("name", "world") if isinstance(request, dict) else "world"
    print("greeting %s (call %d in %s)" % (name, calls, meta["chamber_id"]))
    return {
        "greeting": "hello, %s" % name,
        "calls": calls,
        "python": platform.python_version(),
        "chamber": meta["chamber_id"],
        "path": meta["path"],
    }
