import { crc32, deflateRawSync } from "node:zlib";

/**
 * Hand-built zip and tar files for the tests: every field can be forged, so each trick the
 * readers must catch (name mismatch, overlap, bad CRC, traversal …) is one option away from a
 * valid archive. Test-only code.
 */

const encoder = new TextEncoder();

export function bytes(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? encoder.encode(value) : value;
}

export interface ZipMemberSpec {
  name: string;
  data?: Uint8Array | string;
  /** 0 stored (default), 8 deflate; any other value is written with `data` (or `raw`) as is. */
  method?: number;
  /** Bytes written as the member's data instead of compressing `data`. */
  raw?: Uint8Array;
  /** Name in the local header when it should differ from the central directory. */
  localName?: string;
  crc32?: number;
  flags?: number;
  /** Local-header flags when they should differ. */
  localFlags?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  /** Fields of the local header that should differ from the central directory. */
  local?: { method?: number; crc32?: number; compressedSize?: number; uncompressedSize?: number };
  externalAttributes?: number;
  versionMadeBy?: number;
  /** Central entry points at this member's local header instead of its own. */
  sameLocalHeaderAs?: number;
  /** Absolute local header offset written in the central directory. */
  localHeaderOffset?: number;
  /** Write sizes and CRC in a data descriptor after the data (flag bit 3). */
  dataDescriptor?: boolean;
  localExtra?: Uint8Array;
  centralExtra?: Uint8Array;
  /** Write the local record but leave it out of the central directory. */
  hidden?: boolean;
}

export interface ZipBuildOptions {
  prepend?: Uint8Array | string;
  append?: Uint8Array | string;
  comment?: Uint8Array | string;
  /** Entry count written in the end record, when it should lie. */
  entryCount?: number;
  /** Leave offsets uncorrected for `prepend` (what `cat stub.bin a.zip` produces). */
  shiftWithPrepend?: boolean;
  /** Write ZIP64 end records (locator + record) with the real values. */
  zip64?: boolean;
  /** Bytes inserted between the last member and the central directory. */
  gapBeforeDirectory?: Uint8Array | string;
}

class Writer {
  private parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, true);
    this.push(b);
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.push(b);
  }
  u64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.push(b);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export function buildZip(members: ZipMemberSpec[], options: ZipBuildOptions = {}): Uint8Array {
  const w = new Writer();
  const prepend = options.prepend ? bytes(options.prepend) : new Uint8Array(0);
  w.push(prepend);
  const base = options.shiftWithPrepend ? prepend.length : 0;
  const written: {
    spec: ZipMemberSpec;
    offset: number;
    data: Uint8Array;
    crc: number;
    size: number;
  }[] = [];
  for (const spec of members) {
    const plain = bytes(spec.data ?? "");
    const method = spec.method ?? 0;
    const data = spec.raw ?? (method === 8 ? deflateRawSync(plain) : plain);
    const crc = spec.crc32 ?? crc32(plain);
    const flags = (spec.flags ?? 0) | (spec.dataDescriptor ? 0x08 : 0);
    const localFlags = spec.localFlags ?? flags;
    const name = bytes(spec.localName ?? spec.name);
    const extra = spec.localExtra ?? new Uint8Array(0);
    const offset = w.length;
    const descriptor = spec.dataDescriptor === true;
    w.u32(0x04034b50);
    w.u16(20);
    w.u16(localFlags);
    w.u16(spec.local?.method ?? method);
    w.u16(0);
    w.u16(0x21);
    w.u32(descriptor ? 0 : (spec.local?.crc32 ?? crc));
    w.u32(descriptor ? 0 : (spec.local?.compressedSize ?? spec.compressedSize ?? data.length));
    w.u32(descriptor ? 0 : (spec.local?.uncompressedSize ?? spec.uncompressedSize ?? plain.length));
    w.u16(name.length);
    w.u16(extra.length);
    w.push(name);
    w.push(extra);
    w.push(data);
    if (descriptor) {
      w.u32(0x08074b50);
      w.u32(crc);
      w.u32(spec.compressedSize ?? data.length);
      w.u32(spec.uncompressedSize ?? plain.length);
    }
    written.push({ spec, offset, data, crc, size: plain.length });
  }
  if (options.gapBeforeDirectory) w.push(bytes(options.gapBeforeDirectory));
  const cdStart = w.length;
  let listed = 0;
  for (const { spec, offset, data, crc, size } of written) {
    if (spec.hidden) continue;
    listed++;
    const name = bytes(spec.name);
    const extra = spec.centralExtra ?? new Uint8Array(0);
    const target =
      spec.localHeaderOffset ??
      (spec.sameLocalHeaderAs !== undefined ? written[spec.sameLocalHeaderAs]!.offset : offset);
    w.u32(0x02014b50);
    w.u16(spec.versionMadeBy ?? 20);
    w.u16(20);
    w.u16((spec.flags ?? 0) | (spec.dataDescriptor ? 0x08 : 0));
    w.u16(spec.method ?? 0);
    w.u16(0);
    w.u16(0x21);
    w.u32(crc);
    w.u32(spec.compressedSize ?? data.length);
    w.u32(spec.uncompressedSize ?? size);
    w.u16(name.length);
    w.u16(extra.length);
    w.u16(0);
    w.u16(0);
    w.u16(0);
    w.u32(spec.externalAttributes ?? 0);
    w.u32(target - base);
    w.push(name);
    w.push(extra);
  }
  const cdSize = w.length - cdStart;
  const count = options.entryCount ?? listed;
  if (options.zip64) {
    const recordOffset = w.length;
    w.u32(0x06064b50);
    w.u64(44);
    w.u16(45);
    w.u16(45);
    w.u32(0);
    w.u32(0);
    w.u64(count);
    w.u64(count);
    w.u64(cdSize);
    w.u64(cdStart - base);
    w.u32(0x07064b50);
    w.u32(0);
    w.u64(recordOffset - base);
    w.u32(1);
  }
  const comment = options.comment ? bytes(options.comment) : new Uint8Array(0);
  w.u32(0x06054b50);
  w.u16(0);
  w.u16(0);
  w.u16(options.zip64 ? 0xffff : count);
  w.u16(options.zip64 ? 0xffff : count);
  w.u32(options.zip64 ? 0xffffffff : cdSize);
  w.u32(options.zip64 ? 0xffffffff : cdStart - base);
  w.u16(comment.length);
  w.push(comment);
  if (options.append) w.push(bytes(options.append));
  return w.bytes();
}

export interface TarEntrySpec {
  name: string;
  data?: Uint8Array | string;
  /** Type flag: "0" file (default), "1" hard link, "2" symlink, "5" directory, … */
  type?: string;
  linkname?: string;
  mode?: number;
  /** Size written in the header when it should lie. */
  size?: number;
  /** PAX records written in an extended header before this entry. */
  pax?: Record<string, string>;
  /** A GNU long-name ('L') entry before this one carrying this name. */
  gnuLongName?: string;
  /** Spoil the header checksum. */
  badChecksum?: boolean;
  /** Write the GNU magic ("ustar  \0") instead of POSIX ("ustar\000"). */
  gnu?: boolean;
  prefix?: string;
}

export interface TarBuildOptions {
  /** Bytes after the two end blocks. */
  trailing?: Uint8Array | string;
  /** Leave out the end-of-archive blocks. */
  noEnd?: boolean;
}

function tarHeader(spec: TarEntrySpec, size: number, type: string, name: string): Uint8Array {
  const h = new Uint8Array(512);
  const put = (text: string, at: number, length: number) => {
    const b = bytes(text);
    h.set(b.subarray(0, length), at);
  };
  const octal = (value: number, at: number, length: number) =>
    put(`${value.toString(8).padStart(length - 1, "0")}\0`, at, length);
  put(name, 0, 100);
  octal(spec.mode ?? 0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(0, 136, 12);
  put(type, 156, 1);
  put(spec.linkname ?? "", 157, 100);
  if (spec.gnu) put("ustar  \0", 257, 8);
  else {
    put("ustar\0", 257, 6);
    put("00", 263, 2);
  }
  if (spec.prefix) put(spec.prefix, 345, 155);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  if (spec.badChecksum) sum += 1;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

export function buildTar(entries: TarEntrySpec[], options: TarBuildOptions = {}): Uint8Array {
  const w = new Writer();
  for (const spec of entries) {
    if (spec.pax) {
      let body = "";
      for (const [key, value] of Object.entries(spec.pax)) {
        const record = ` ${key}=${value}\n`;
        let length = record.length + 1;
        while (`${length}${record}`.length !== length) length++;
        body += `${length}${record}`;
      }
      const data = bytes(body);
      w.push(tarHeader({ name: "PaxHeader" }, data.length, "x", "PaxHeader"));
      w.push(padded(data));
    }
    if (spec.gnuLongName !== undefined) {
      const data = bytes(`${spec.gnuLongName}\0`);
      w.push(tarHeader({ name: "././@LongLink", gnu: true }, data.length, "L", "././@LongLink"));
      w.push(padded(data));
    }
    const data = bytes(spec.data ?? "");
    w.push(tarHeader(spec, spec.size ?? data.length, spec.type ?? "0", spec.name));
    w.push(padded(data));
  }
  if (!options.noEnd) w.push(new Uint8Array(1024));
  if (options.trailing) w.push(bytes(options.trailing));
  return w.bytes();
}
