/**
 * The {@code cnn} command line (picocli): train, evaluate, predict, summary, bench. The only part that
 * prints to the console; everything it trains or writes goes through the library's public API.
 */
package dev.cnn.app;
