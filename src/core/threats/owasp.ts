/**
 * The two OWASP top-ten lists Rampart maps findings to. Names are the lists' own titles, so a
 * report can be read side by side with the OWASP pages.
 */

/** OWASP Machine Learning Security Top 10, 2023 edition (a draft OWASP never finalized). */
export const OWASP_ML_TOP_10_EDITION = "2023";
export const OWASP_ML_TOP_10_URL =
  "https://owasp.org/www-project-machine-learning-security-top-10/";

export const OWASP_ML_TOP_10 = [
  { id: "ML01", name: "Input Manipulation Attack" },
  { id: "ML02", name: "Data Poisoning Attack" },
  { id: "ML03", name: "Model Inversion Attack" },
  { id: "ML04", name: "Membership Inference Attack" },
  { id: "ML05", name: "Model Theft" },
  { id: "ML06", name: "AI Supply Chain Attacks" },
  { id: "ML07", name: "Transfer Learning Attack" },
  { id: "ML08", name: "Model Skewing" },
  { id: "ML09", name: "Output Integrity Attack" },
  { id: "ML10", name: "Model Poisoning" },
] as const;

export type OwaspMlId = (typeof OWASP_ML_TOP_10)[number]["id"];

/** OWASP Top 10 for LLM Applications, 2025 edition. */
export const OWASP_LLM_TOP_10_EDITION = "2025";
export const OWASP_LLM_TOP_10_URL = "https://genai.owasp.org/llm-top-10/";

export const OWASP_LLM_TOP_10 = [
  { id: "LLM01", name: "Prompt Injection" },
  { id: "LLM02", name: "Sensitive Information Disclosure" },
  { id: "LLM03", name: "Supply Chain" },
  { id: "LLM04", name: "Data and Model Poisoning" },
  { id: "LLM05", name: "Improper Output Handling" },
  { id: "LLM06", name: "Excessive Agency" },
  { id: "LLM07", name: "System Prompt Leakage" },
  { id: "LLM08", name: "Vector and Embedding Weaknesses" },
  { id: "LLM09", name: "Misinformation" },
  { id: "LLM10", name: "Unbounded Consumption" },
] as const;

export type OwaspLlmId = (typeof OWASP_LLM_TOP_10)[number]["id"];
