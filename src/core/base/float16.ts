/** float32 → IEEE half conversion for compact bundles (tfjs decodes float16 itself on load). */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32ToFloat16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    f32[0] = src[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    let mant = x & 0x7fffff;
    if (((x >>> 23) & 0xff) === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    } // inf / nan
    if (exp >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    } // overflow → inf
    if (exp <= 0) {
      if (exp < -10) {
        out[i] = sign;
        continue;
      } // underflow → ±0
      mant |= 0x800000;
      const shift = 14 - exp;
      let half = mant >>> shift;
      if ((mant >>> (shift - 1)) & 1) half++; // round half up
      out[i] = sign | half;
      continue;
    }
    let half = sign | (exp << 10) | (mant >>> 13);
    if (mant & 0x1000) half++; // round to nearest; a carry correctly bumps the exponent
    out[i] = half;
  }
  return out;
}
