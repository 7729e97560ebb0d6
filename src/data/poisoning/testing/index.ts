/** Attack builders and fixtures for poisoning tests and the benchmark (not in the build). */
export * from "./synthetic.js";
