/**
 * A static Linux program for arm64 (AArch64) that prints `message` and exits 0: 120 bytes of
 * ELF headers, eight instructions and the text. What a test needs to see a RUN step of
 * another CPU run, without downloading anything of that architecture.
 */
export function arm64Hello(message: string): Buffer {
  const text = Buffer.from(message);
  if (text.length > 0xffff) throw new Error("the message must fit a movz immediate");
  const base = 0x400000;
  const codeOffset = 64 + 56;
  const movz = (register: number, value: number) => 0xd2800000 | (value << 5) | register;
  const instructions = [
    movz(0, 1), // x0 = stdout
    0x100000e1, // adr x1, text (28 bytes ahead)
    movz(2, text.length), // x2 = length
    movz(8, 64), // x8 = write
    0xd4000001, // svc #0
    movz(0, 0), // x0 = exit code 0
    movz(8, 93), // x8 = exit
    0xd4000001, // svc #0
  ];
  const code = Buffer.alloc(instructions.length * 4);
  instructions.forEach((word, i) => code.writeUInt32LE(word >>> 0, i * 4));
  const size = codeOffset + code.length + text.length;

  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(header); // ELF, 64-bit, little endian
  header.writeUInt16LE(2, 16); // executable
  header.writeUInt16LE(0xb7, 18); // AArch64
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(BigInt(base + codeOffset), 24); // entry
  header.writeBigUInt64LE(64n, 32); // program headers right after this one
  header.writeUInt16LE(64, 52);
  header.writeUInt16LE(56, 54);
  header.writeUInt16LE(1, 56);

  const segment = Buffer.alloc(56);
  segment.writeUInt32LE(1, 0); // loadable
  segment.writeUInt32LE(5, 4); // read + execute
  segment.writeBigUInt64LE(BigInt(base), 16);
  segment.writeBigUInt64LE(BigInt(base), 24);
  segment.writeBigUInt64LE(BigInt(size), 32);
  segment.writeBigUInt64LE(BigInt(size), 40);
  segment.writeBigUInt64LE(0x1000n, 48);
  return Buffer.concat([header, segment, code, text]);
}
