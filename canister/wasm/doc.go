// Package wasm is a small, fast WebAssembly binary codec.
//
// Decode parses a module into a Module whose sections are plain Go values;
// Encode writes it back. Function bodies and constant expressions are kept as
// raw byte slices (aliasing the decoded input), so a module that is decoded
// and encoded again without changes comes out byte for byte identical, even
// when the producer used padded LEB128 section sizes as the Go linker does.
//
// InstrReader walks a function body instruction by instruction, reporting each
// opcode, its decoded immediates and its byte span, so a transformer can copy
// untouched instructions verbatim and splice in new ones built with Expr.
//
// The codec covers the MVP, sign extension, saturating conversions, bulk
// memory, reference types, multi-value, tail calls, threads (atomics), SIMD
// and relaxed SIMD. GC types and exception handling are not supported and
// are reported as decode errors.
package wasm
