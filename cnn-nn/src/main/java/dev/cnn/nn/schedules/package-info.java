/**
 * Learning-rate schedules, the rate per epoch: {@link dev.cnn.nn.schedules.ConstantRate},
 * {@link dev.cnn.nn.schedules.StepDecay}, {@link dev.cnn.nn.schedules.CosineDecay} and
 * {@link dev.cnn.nn.schedules.WarmUp} before any of them. Immutable values, saved with the model
 * ({@link dev.cnn.nn.schedules.LearningRateSchedule#savedForm}) so a resumed run continues on the same curve;
 * thread-safe.
 */
package dev.cnn.nn.schedules;
