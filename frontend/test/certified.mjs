// Response verification of the canister's answers with DFINITY's own verifier
// (@dfinity/response-verification, the library HTTP gateways and service workers use),
// against the local replica's root key. Used by flow.test.mjs.
import http from "node:http";
import rv from "@dfinity/response-verification";

// decodeCBOR reads the CBOR the replica's /api/v2/status answers: maps, arrays, texts,
// byte strings, unsigned integers, simple values and tags (the self-describing tag).
export function decodeCBOR(buf) {
  let pos = 0;
  const arg = (info) => {
    if (info < 24) return info;
    const n = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (!n) throw new Error(`CBOR: unsupported length ${info}`);
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[pos++]);
    return Number(v);
  };
  const item = () => {
    const b = buf[pos++];
    const major = b >> 5, info = b & 31;
    switch (major) {
      case 0: return arg(info);
      case 2: { const n = arg(info); const v = buf.subarray(pos, pos + n); pos += n; return new Uint8Array(v); }
      case 3: { const n = arg(info); const v = buf.subarray(pos, pos + n); pos += n; return new TextDecoder().decode(v); }
      case 4: { const n = arg(info); return Array.from({ length: n }, item); }
      case 5: { const n = arg(info); const m = {}; for (let i = 0; i < n; i++) { const k = item(); m[k] = item(); } return m; }
      case 6: arg(info); return item();
      case 7: return { 20: false, 21: true, 22: null }[info];
      default: throw new Error(`CBOR: unsupported major type ${major}`);
    }
  };
  return item();
}

// principalBytes decodes a textual principal (base32 of CRC-32 then the bytes).
export function principalBytes(text) {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/-/g, "")) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return new Uint8Array(out.slice(4));
}

// get sends GET path to the replica with the given Host (the raw or certified domain) and
// resolves to {status, headers: [[name, value]], body: Uint8Array}.
export function get(replica, host, path) {
  const u = new URL(replica);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: "GET", headers: { host, accept: "*/*" } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const headers = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode, headers, body: new Uint8Array(Buffer.concat(chunks)) });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

// rootKey fetches the replica's root key (DER) from /api/v2/status.
export async function rootKey(replica) {
  const res = await fetch(new URL("/api/v2/status", replica));
  const status = decodeCBOR(new Uint8Array(await res.arrayBuffer()));
  if (!(status.root_key instanceof Uint8Array)) throw new Error("status has no root_key");
  return status.root_key;
}

// verify runs the reference verifier on an answer to GET path; it throws when the answer
// does not verify, and returns the verified response (undefined for skip certification).
export function verify({ path, answer, canisterId, key }) {
  const info = rv.verifyRequestResponsePair(
    { url: path, method: "GET", body: new Uint8Array(), headers: [], certificate_version: [2] },
    { status_code: answer.status, headers: answer.headers, body: answer.body },
    principalBytes(canisterId), BigInt(Date.now()) * 1000000n, 300n * 1000000000n, key, 2);
  return { version: info.verificationVersion, response: info.response };
}
