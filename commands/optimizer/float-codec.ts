/**
 * Float arrays as base64 of little-endian float64: a trial's equity curve in an event or a queue message
 * round-trips bit for bit (so a resumed run scores exactly what the first run scored) at ~10.7 characters
 * a value instead of JSON's ~18.
 */
export const encodeFloat64 = (values: ArrayLike<number>): string => {
  const bytes = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i++) bytes.writeDoubleLE(values[i]!, i * 8);
  return bytes.toString('base64');
};

export const decodeFloat64 = (text: string): number[] => {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0)
    throw new Error(`float64 payload of ${bytes.length} bytes is not a multiple of 8`);
  const out = new Array<number>(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readDoubleLE(i * 8);
  return out;
};
