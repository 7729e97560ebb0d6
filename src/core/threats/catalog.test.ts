import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAtlasYaml, renderAtlasCatalog } from "../../../scripts/genAtlasCatalog.js";
import { ATLAS_TACTICS, ATLAS_TECHNIQUES, ATLAS_VERSION } from "./atlas.generated.js";
import {
  type AtlasTechniqueId,
  atlas,
  atlasParent,
  atlasTactics,
  isAtlasTechniqueId,
  isKnownThreat,
  lookupThreat,
  OWASP_LLM_TOP_10,
  OWASP_ML_TOP_10,
  owaspLlm,
  owaspMl,
  RAMPART_ATLAS_TECHNIQUES,
} from "./index.js";

const sharedAtlas = fileURLToPath(
  new URL("../../../../shared/threats/ATLAS.yaml", import.meta.url),
);
const generated = fileURLToPath(new URL("./atlas.generated.ts", import.meta.url));
const hasSharedAtlas = existsSync(sharedAtlas);

describe("atlas.generated.ts", () => {
  it.skipIf(!hasSharedAtlas)(
    hasSharedAtlas
      ? "is exactly what scripts/genAtlasCatalog.ts renders from ../shared/threats/ATLAS.yaml"
      : "matches ../shared/threats/ATLAS.yaml (skipped: the shared ATLAS.yaml is absent)",
    () => {
      expect(readFileSync(generated, "utf8")).toBe(renderAtlasCatalog(readFileSync(sharedAtlas)));
    },
  );

  it("names ATLAS 5.6.0 with unique ids", () => {
    expect(ATLAS_VERSION).toBe("5.6.0");
    const ids = ATLAS_TECHNIQUES.map((technique) => technique.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ATLAS_TACTICS.map((tactic) => tactic.id)).size).toBe(ATLAS_TACTICS.length);
  });

  it("gives every sub-technique its parent's tactics, and every technique a known tactic", () => {
    const tacticIds = new Set<string>(ATLAS_TACTICS.map((tactic) => tactic.id));
    const byId = new Map<string, { tactics: readonly string[] }>(
      ATLAS_TECHNIQUES.map((technique) => [technique.id, technique]),
    );
    let subTechniques = 0;
    for (const technique of ATLAS_TECHNIQUES) {
      expect(technique.tactics.length).toBeGreaterThan(0);
      for (const tactic of technique.tactics) expect(tacticIds.has(tactic)).toBe(true);
      if ("parent" in technique) {
        subTechniques++;
        expect(technique.id.startsWith(`${technique.parent}.`)).toBe(true);
        expect(technique.tactics).toEqual(byId.get(technique.parent)?.tactics);
      }
    }
    expect(subTechniques).toBeGreaterThan(50);
  });
});

describe("catalog", () => {
  // The names Rampart's reports will print; ATLAS renamed "ML" to "AI" in v4.9.0.
  const expectedNames: Record<(typeof RAMPART_ATLAS_TECHNIQUES)[number], string> = {
    "AML.T0020": "Poison Training Data",
    "AML.T0018": "Manipulate AI Model",
    "AML.T0018.000": "Poison AI Model",
    "AML.T0018.002": "Embed Malware",
    "AML.T0043": "Craft Adversarial Data",
    "AML.T0043.004": "Insert Backdoor Trigger",
    "AML.T0015": "Evade AI Model",
    "AML.T0040": "AI Model Inference API Access",
    "AML.T0024": "Exfiltration via AI Inference API",
    "AML.T0024.000": "Infer Training Data Membership",
    "AML.T0024.001": "Invert AI Model",
    "AML.T0024.002": "Extract AI Model",
    "AML.T0010": "AI Supply Chain Compromise",
    "AML.T0010.002": "Data",
    "AML.T0010.003": "Model",
    "AML.T0019": "Publish Poisoned Datasets",
    "AML.T0058": "Publish Poisoned Models",
    "AML.T0011.000": "Unsafe AI Artifacts",
    "AML.T0029": "Denial of AI Service",
    "AML.T0034": "Cost Harvesting",
    "AML.T0031": "Erode AI Model Integrity",
    "AML.T0059": "Erode Dataset Integrity",
  };

  it.each(RAMPART_ATLAS_TECHNIQUES)(
    "Rampart's %s exists in ATLAS under its expected name",
    (id) => {
      expect(isAtlasTechniqueId(id)).toBe(true);
      expect(atlas(id)).toEqual({ catalog: "atlas", id, name: expectedNames[id] });
      expect(isKnownThreat(atlas(id))).toBe(true);
    },
  );

  it("lists each Rampart technique once", () => {
    expect(new Set(RAMPART_ATLAS_TECHNIQUES).size).toBe(RAMPART_ATLAS_TECHNIQUES.length);
  });

  it("returns the official names", () => {
    expect(atlas("AML.T0018").name).toBe("Manipulate AI Model");
    expect(atlas("AML.T0020").name).toBe("Poison Training Data");
    expect(owaspMl("ML06")).toEqual({
      catalog: "owasp-ml",
      id: "ML06",
      name: "AI Supply Chain Attacks",
    });
    expect(owaspLlm("LLM01")).toEqual({
      catalog: "owasp-llm",
      id: "LLM01",
      name: "Prompt Injection",
    });
  });

  it("hands out copies, so a caller cannot corrupt the catalog", () => {
    const ref = atlas("AML.T0018");
    ref.name = "changed";
    expect(atlas("AML.T0018").name).toBe("Manipulate AI Model");
  });

  it("gives sub-techniques their parent's tactics", () => {
    const parentTactics = atlasTactics("AML.T0018");
    expect(parentTactics.length).toBeGreaterThan(0);
    expect(atlasTactics("AML.T0018.000")).toEqual(parentTactics);
    expect(atlasTactics("AML.T0018.002")).toEqual(parentTactics);
    expect(atlasParent("AML.T0018.002")).toBe("AML.T0018");
    expect(atlasParent("AML.T0018")).toBeUndefined();
    expect(atlasTactics("AML.T0000")).toEqual([{ id: "AML.TA0002", name: "Reconnaissance" }]);
  });

  it("looks up ids read at run time", () => {
    expect(lookupThreat("atlas", "AML.T0024.001")).toEqual({
      catalog: "atlas",
      id: "AML.T0024.001",
      name: "Invert AI Model",
    });
    expect(lookupThreat("owasp-llm", "LLM10")?.name).toBe("Unbounded Consumption");
    expect(lookupThreat("atlas", "AML.T9999")).toBeUndefined();
    expect(lookupThreat("atlas", "ML01")).toBeUndefined();
    expect(lookupThreat("owasp-ml", "LLM01")).toBeUndefined();
    expect(lookupThreat("owasp-ml", "constructor")).toBeUndefined();
    expect(isAtlasTechniqueId("AML.TA0002")).toBe(false);
  });

  it("isKnownThreat needs id and name to match", () => {
    expect(isKnownThreat({ catalog: "atlas", id: "AML.T0018", name: "Manipulate AI Model" })).toBe(
      true,
    );
    // The pre-4.9.0 name is stale now.
    expect(isKnownThreat({ catalog: "atlas", id: "AML.T0018", name: "Manipulate ML Model" })).toBe(
      false,
    );
    expect(isKnownThreat({ catalog: "atlas", id: "AML.T9999", name: "Manipulate AI Model" })).toBe(
      false,
    );
    expect(isKnownThreat({ catalog: "owasp-ml", id: "ML05", name: "Model Theft" })).toBe(true);
    expect(isKnownThreat({ catalog: "owasp-llm", id: "ML05", name: "Model Theft" })).toBe(false);
    expect(isKnownThreat({ catalog: "cwe", id: "CWE-502", name: "Deserialization" })).toBe(false);
  });

  it("throws on an id that dodged the type system", () => {
    expect(() => atlas("AML.T9999" as AtlasTechniqueId)).toThrow(/unknown atlas id/);
  });
});

describe("OWASP lists", () => {
  const ids = (prefix: string) =>
    Array.from({ length: 10 }, (_, i) => `${prefix}${String(i + 1).padStart(2, "0")}`);

  it("has the ten ML Security Top 10 (2023) entries, ML01..ML10", () => {
    expect(OWASP_ML_TOP_10.map((entry) => entry.id)).toEqual(ids("ML"));
    expect(OWASP_ML_TOP_10[0].name).toBe("Input Manipulation Attack");
    expect(OWASP_ML_TOP_10[9].name).toBe("Model Poisoning");
  });

  it("has the ten LLM Top 10 (2025) entries, LLM01..LLM10", () => {
    expect(OWASP_LLM_TOP_10.map((entry) => entry.id)).toEqual(ids("LLM"));
    expect(OWASP_LLM_TOP_10[6].name).toBe("System Prompt Leakage");
    expect(OWASP_LLM_TOP_10[9].name).toBe("Unbounded Consumption");
  });
});

describe("genAtlasCatalog", () => {
  const yaml = `
version: 9.9.9
matrices:
- id: ATLAS
  tactics:
  - id: AML.TA0002
    name: Reconnaissance
    description: ignored
  - id: AML.TA0000
    name: AI Model Access
  techniques:
  - id: AML.T0040
    name: AI Model Inference API Access
    tactics: [AML.TA0000]
  - id: AML.T0000.000
    name: "Journals and Conference Proceedings, with a \\"quoted\\" word"
    subtechnique-of: AML.T0000
  - id: AML.T0000
    name: Search Open Technical Databases
    tactics:
    - AML.TA0002
    - AML.TA0000
`;

  it("sorts by id, inherits parent tactics and keeps tactic order", () => {
    expect(parseAtlasYaml(yaml)).toEqual({
      version: "9.9.9",
      tactics: [
        { id: "AML.TA0002", name: "Reconnaissance" },
        { id: "AML.TA0000", name: "AI Model Access" },
      ],
      techniques: [
        {
          id: "AML.T0000",
          name: "Search Open Technical Databases",
          tactics: ["AML.TA0002", "AML.TA0000"],
        },
        {
          id: "AML.T0000.000",
          name: 'Journals and Conference Proceedings, with a "quoted" word',
          tactics: ["AML.TA0002", "AML.TA0000"],
          parent: "AML.T0000",
        },
        { id: "AML.T0040", name: "AI Model Inference API Access", tactics: ["AML.TA0000"] },
      ],
    });
  });

  it("renders deterministically, within the line width, from a string or bytes", () => {
    const text = renderAtlasCatalog(yaml);
    expect(renderAtlasCatalog(Buffer.from(yaml))).toBe(text);
    expect(text).toContain('export const ATLAS_VERSION = "9.9.9";');
    expect(text).toContain("Apache License, Version 2.0");
    expect(text).toContain(
      'name: "Journals and Conference Proceedings, with a \\"quoted\\" word",',
    );
    expect(text.endsWith("] as const;\n")).toBe(true);
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });

  it.each([
    [
      "a missing parent",
      "subtechnique-of: AML.T0000",
      "subtechnique-of: AML.T0001",
      /missing parent/,
    ],
    ["an unknown tactic", "tactics: [AML.TA0000]", "tactics: [AML.TA0099]", /unknown tactic/],
    ["no tactics", "    tactics: [AML.TA0000]\n", "", /has no tactics/],
    ["a duplicate id", "id: AML.T0040", "id: AML.T0000", /duplicate ATLAS technique/],
    ["a malformed id", "id: AML.T0040", "id: T0040", /expected shape/],
  ])("refuses %s", (_, from, to, error) => {
    expect(yaml).toContain(from);
    expect(() => parseAtlasYaml(yaml.replace(from, to))).toThrow(error);
  });
});
