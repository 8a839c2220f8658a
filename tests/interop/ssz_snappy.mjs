// eth2 ssz_snappy framing for the interop peer: unsigned varint of the SSZ length, then the
// snappy *frame* format (stream identifier, compressed/uncompressed chunks with masked CRC32C).
import SnappyJS from 'snappyjs'

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1
    t[i] = c >>> 0
  }
  return t
})()

export function crc32c (buf) {
  let c = 0xFFFFFFFF
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xFFFFFFFF) >>> 0
}

const mask = (crc) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0

export function writeVarint (n) {
  const out = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return out
}

export function readVarint (buf, pos) {
  let v = 0; let shift = 0
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('truncated varint')
    const b = buf[pos++]
    v += (b & 0x7f) * 2 ** shift
    if (b < 0x80) return [v, pos]
    shift += 7
  }
  throw new Error('varint too long')
}

export function encodeSszSnappy (data) {
  const out = [...writeVarint(data.length), 0xff, 6, 0, 0, ...Buffer.from('sNaPpY')]
  for (let off = 0; off < data.length || (off === 0 && data.length === 0 && false); off += 65536) {
    const block = data.subarray(off, Math.min(off + 65536, data.length))
    const crc = mask(crc32c(block))
    const comp = new Uint8Array(SnappyJS.compress(block))
    const useComp = comp.length < block.length
    const body = useComp ? comp : block
    const len = body.length + 4
    out.push(useComp ? 0x00 : 0x01, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff,
      crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, (crc >>> 24) & 0xff, ...body)
  }
  return Uint8Array.from(out)
}

// Decodes one ssz_snappy payload starting at pos; returns {data, end}.
export function decodeSszSnappy (buf, pos, maxLen) {
  let len
  ;[len, pos] = readVarint(buf, pos)
  if (len > maxLen) throw new Error('ssz length over limit')
  const parts = []
  let got = 0
  while (got < len) {
    if (pos + 4 > buf.length) throw new Error('truncated chunk header')
    const type = buf[pos]; const clen = buf[pos + 1] | (buf[pos + 2] << 8) | (buf[pos + 3] << 16)
    pos += 4
    const body = buf.subarray(pos, pos + clen)
    if (body.length !== clen) throw new Error('truncated chunk')
    pos += clen
    if (type === 0xff) continue
    if (type === 0x00 || type === 0x01) {
      const crc = body[0] | (body[1] << 8) | (body[2] << 16) | (body[3] * 2 ** 24)
      const d = type === 0x00 ? new Uint8Array(SnappyJS.uncompress(body.subarray(4))) : body.subarray(4)
      if (mask(crc32c(d)) !== (crc >>> 0)) throw new Error('crc mismatch')
      parts.push(d); got += d.length
    } else if (type >= 0x80) continue
    else throw new Error('reserved chunk type')
  }
  if (got !== len) throw new Error('length mismatch')
  return { data: Buffer.concat(parts), end: pos }
}
