package dev.impulse.deployment;

import java.util.List;
import java.util.Optional;

/**
 * What the scaler should do for a deployment now.
 *
 * @param spec the spec new chambers get
 * @param generation the generation they belong to
 * @param toStart how many chambers to create
 * @param toDestroy chambers let go (no longer routed to)
 * @param changed the decision, when the wanted number changed
 * @param previous the decision before it
 */
record Plan(
    DeploymentSpec spec,
    int generation,
    int toStart,
    List<String> toDestroy,
    Optional<ScalingRule.Decision> changed,
    Optional<ScalingRule.Decision> previous) {}
