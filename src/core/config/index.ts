export { type ConfigProblem, loadConfigFile, parseConfig } from "./load.js";
export { configSchema, defaultConfig, type RampartConfig } from "./schema.js";
export { renderDefaultConfig } from "./template.js";
export { parseYamlWithSchema, type YamlProblem, type YamlSchemaOptions } from "./yamlSchema.js";
