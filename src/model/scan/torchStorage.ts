/**
 * Bytes per element of each legacy PyTorch storage class (torch/storage.py; the `*Storage`
 * globals a checkpoint's persistent ids name). Shared by the legacy stacked-pickle scanner and
 * the legacy tar layout, which both skip raw storage bytes by computing their length.
 */
export const TORCH_STORAGE_ELEMENT_SIZE: Readonly<Record<string, number>> = Object.freeze({
  DoubleStorage: 8,
  FloatStorage: 4,
  HalfStorage: 2,
  BFloat16Storage: 2,
  LongStorage: 8,
  IntStorage: 4,
  ShortStorage: 2,
  CharStorage: 1,
  ByteStorage: 1,
  BoolStorage: 1,
  ComplexFloatStorage: 8,
  ComplexDoubleStorage: 16,
  QInt8Storage: 1,
  QUInt8Storage: 1,
  QInt32Storage: 4,
  QUInt4x2Storage: 1,
  QUInt2x4Storage: 1,
});
