// Opcode tables transcribed from the WebAssembly specifications (core 2.0,
// SIMD, relaxed SIMD, tail calls, threads). TestOpcodeTableAgainstWabt
// assembles every entry with wat2wasm and checks name, code and immediates.

package wasm

// Opcodes of the core instruction set (single byte).
const (
	OpUnreachable        Op = 0x0  // unreachable
	OpNop                Op = 0x1  // nop
	OpBlock              Op = 0x2  // block
	OpLoop               Op = 0x3  // loop
	OpIf                 Op = 0x4  // if
	OpElse               Op = 0x5  // else
	OpEnd                Op = 0xB  // end
	OpBr                 Op = 0xC  // br
	OpBrIf               Op = 0xD  // br_if
	OpBrTable            Op = 0xE  // br_table
	OpReturn             Op = 0xF  // return
	OpCall               Op = 0x10 // call
	OpCallIndirect       Op = 0x11 // call_indirect
	OpReturnCall         Op = 0x12 // return_call
	OpReturnCallIndirect Op = 0x13 // return_call_indirect
	OpDrop               Op = 0x1A // drop
	OpSelect             Op = 0x1B // select
	OpSelectT            Op = 0x1C // select t*
	OpLocalGet           Op = 0x20 // local.get
	OpLocalSet           Op = 0x21 // local.set
	OpLocalTee           Op = 0x22 // local.tee
	OpGlobalGet          Op = 0x23 // global.get
	OpGlobalSet          Op = 0x24 // global.set
	OpTableGet           Op = 0x25 // table.get
	OpTableSet           Op = 0x26 // table.set
	OpI32Load            Op = 0x28 // i32.load
	OpI64Load            Op = 0x29 // i64.load
	OpF32Load            Op = 0x2A // f32.load
	OpF64Load            Op = 0x2B // f64.load
	OpI32Load8S          Op = 0x2C // i32.load8_s
	OpI32Load8U          Op = 0x2D // i32.load8_u
	OpI32Load16S         Op = 0x2E // i32.load16_s
	OpI32Load16U         Op = 0x2F // i32.load16_u
	OpI64Load8S          Op = 0x30 // i64.load8_s
	OpI64Load8U          Op = 0x31 // i64.load8_u
	OpI64Load16S         Op = 0x32 // i64.load16_s
	OpI64Load16U         Op = 0x33 // i64.load16_u
	OpI64Load32S         Op = 0x34 // i64.load32_s
	OpI64Load32U         Op = 0x35 // i64.load32_u
	OpI32Store           Op = 0x36 // i32.store
	OpI64Store           Op = 0x37 // i64.store
	OpF32Store           Op = 0x38 // f32.store
	OpF64Store           Op = 0x39 // f64.store
	OpI32Store8          Op = 0x3A // i32.store8
	OpI32Store16         Op = 0x3B // i32.store16
	OpI64Store8          Op = 0x3C // i64.store8
	OpI64Store16         Op = 0x3D // i64.store16
	OpI64Store32         Op = 0x3E // i64.store32
	OpMemorySize         Op = 0x3F // memory.size
	OpMemoryGrow         Op = 0x40 // memory.grow
	OpI32Const           Op = 0x41 // i32.const
	OpI64Const           Op = 0x42 // i64.const
	OpF32Const           Op = 0x43 // f32.const
	OpF64Const           Op = 0x44 // f64.const
	OpI32Eqz             Op = 0x45 // i32.eqz
	OpI32Eq              Op = 0x46 // i32.eq
	OpI32Ne              Op = 0x47 // i32.ne
	OpI32LtS             Op = 0x48 // i32.lt_s
	OpI32LtU             Op = 0x49 // i32.lt_u
	OpI32GtS             Op = 0x4A // i32.gt_s
	OpI32GtU             Op = 0x4B // i32.gt_u
	OpI32LeS             Op = 0x4C // i32.le_s
	OpI32LeU             Op = 0x4D // i32.le_u
	OpI32GeS             Op = 0x4E // i32.ge_s
	OpI32GeU             Op = 0x4F // i32.ge_u
	OpI64Eqz             Op = 0x50 // i64.eqz
	OpI64Eq              Op = 0x51 // i64.eq
	OpI64Ne              Op = 0x52 // i64.ne
	OpI64LtS             Op = 0x53 // i64.lt_s
	OpI64LtU             Op = 0x54 // i64.lt_u
	OpI64GtS             Op = 0x55 // i64.gt_s
	OpI64GtU             Op = 0x56 // i64.gt_u
	OpI64LeS             Op = 0x57 // i64.le_s
	OpI64LeU             Op = 0x58 // i64.le_u
	OpI64GeS             Op = 0x59 // i64.ge_s
	OpI64GeU             Op = 0x5A // i64.ge_u
	OpF32Eq              Op = 0x5B // f32.eq
	OpF32Ne              Op = 0x5C // f32.ne
	OpF32Lt              Op = 0x5D // f32.lt
	OpF32Gt              Op = 0x5E // f32.gt
	OpF32Le              Op = 0x5F // f32.le
	OpF32Ge              Op = 0x60 // f32.ge
	OpF64Eq              Op = 0x61 // f64.eq
	OpF64Ne              Op = 0x62 // f64.ne
	OpF64Lt              Op = 0x63 // f64.lt
	OpF64Gt              Op = 0x64 // f64.gt
	OpF64Le              Op = 0x65 // f64.le
	OpF64Ge              Op = 0x66 // f64.ge
	OpI32Clz             Op = 0x67 // i32.clz
	OpI32Ctz             Op = 0x68 // i32.ctz
	OpI32Popcnt          Op = 0x69 // i32.popcnt
	OpI32Add             Op = 0x6A // i32.add
	OpI32Sub             Op = 0x6B // i32.sub
	OpI32Mul             Op = 0x6C // i32.mul
	OpI32DivS            Op = 0x6D // i32.div_s
	OpI32DivU            Op = 0x6E // i32.div_u
	OpI32RemS            Op = 0x6F // i32.rem_s
	OpI32RemU            Op = 0x70 // i32.rem_u
	OpI32And             Op = 0x71 // i32.and
	OpI32Or              Op = 0x72 // i32.or
	OpI32Xor             Op = 0x73 // i32.xor
	OpI32Shl             Op = 0x74 // i32.shl
	OpI32ShrS            Op = 0x75 // i32.shr_s
	OpI32ShrU            Op = 0x76 // i32.shr_u
	OpI32Rotl            Op = 0x77 // i32.rotl
	OpI32Rotr            Op = 0x78 // i32.rotr
	OpI64Clz             Op = 0x79 // i64.clz
	OpI64Ctz             Op = 0x7A // i64.ctz
	OpI64Popcnt          Op = 0x7B // i64.popcnt
	OpI64Add             Op = 0x7C // i64.add
	OpI64Sub             Op = 0x7D // i64.sub
	OpI64Mul             Op = 0x7E // i64.mul
	OpI64DivS            Op = 0x7F // i64.div_s
	OpI64DivU            Op = 0x80 // i64.div_u
	OpI64RemS            Op = 0x81 // i64.rem_s
	OpI64RemU            Op = 0x82 // i64.rem_u
	OpI64And             Op = 0x83 // i64.and
	OpI64Or              Op = 0x84 // i64.or
	OpI64Xor             Op = 0x85 // i64.xor
	OpI64Shl             Op = 0x86 // i64.shl
	OpI64ShrS            Op = 0x87 // i64.shr_s
	OpI64ShrU            Op = 0x88 // i64.shr_u
	OpI64Rotl            Op = 0x89 // i64.rotl
	OpI64Rotr            Op = 0x8A // i64.rotr
	OpF32Abs             Op = 0x8B // f32.abs
	OpF32Neg             Op = 0x8C // f32.neg
	OpF32Ceil            Op = 0x8D // f32.ceil
	OpF32Floor           Op = 0x8E // f32.floor
	OpF32Trunc           Op = 0x8F // f32.trunc
	OpF32Nearest         Op = 0x90 // f32.nearest
	OpF32Sqrt            Op = 0x91 // f32.sqrt
	OpF32Add             Op = 0x92 // f32.add
	OpF32Sub             Op = 0x93 // f32.sub
	OpF32Mul             Op = 0x94 // f32.mul
	OpF32Div             Op = 0x95 // f32.div
	OpF32Min             Op = 0x96 // f32.min
	OpF32Max             Op = 0x97 // f32.max
	OpF32Copysign        Op = 0x98 // f32.copysign
	OpF64Abs             Op = 0x99 // f64.abs
	OpF64Neg             Op = 0x9A // f64.neg
	OpF64Ceil            Op = 0x9B // f64.ceil
	OpF64Floor           Op = 0x9C // f64.floor
	OpF64Trunc           Op = 0x9D // f64.trunc
	OpF64Nearest         Op = 0x9E // f64.nearest
	OpF64Sqrt            Op = 0x9F // f64.sqrt
	OpF64Add             Op = 0xA0 // f64.add
	OpF64Sub             Op = 0xA1 // f64.sub
	OpF64Mul             Op = 0xA2 // f64.mul
	OpF64Div             Op = 0xA3 // f64.div
	OpF64Min             Op = 0xA4 // f64.min
	OpF64Max             Op = 0xA5 // f64.max
	OpF64Copysign        Op = 0xA6 // f64.copysign
	OpI32WrapI64         Op = 0xA7 // i32.wrap_i64
	OpI32TruncF32S       Op = 0xA8 // i32.trunc_f32_s
	OpI32TruncF32U       Op = 0xA9 // i32.trunc_f32_u
	OpI32TruncF64S       Op = 0xAA // i32.trunc_f64_s
	OpI32TruncF64U       Op = 0xAB // i32.trunc_f64_u
	OpI64ExtendI32S      Op = 0xAC // i64.extend_i32_s
	OpI64ExtendI32U      Op = 0xAD // i64.extend_i32_u
	OpI64TruncF32S       Op = 0xAE // i64.trunc_f32_s
	OpI64TruncF32U       Op = 0xAF // i64.trunc_f32_u
	OpI64TruncF64S       Op = 0xB0 // i64.trunc_f64_s
	OpI64TruncF64U       Op = 0xB1 // i64.trunc_f64_u
	OpF32ConvertI32S     Op = 0xB2 // f32.convert_i32_s
	OpF32ConvertI32U     Op = 0xB3 // f32.convert_i32_u
	OpF32ConvertI64S     Op = 0xB4 // f32.convert_i64_s
	OpF32ConvertI64U     Op = 0xB5 // f32.convert_i64_u
	OpF32DemoteF64       Op = 0xB6 // f32.demote_f64
	OpF64ConvertI32S     Op = 0xB7 // f64.convert_i32_s
	OpF64ConvertI32U     Op = 0xB8 // f64.convert_i32_u
	OpF64ConvertI64S     Op = 0xB9 // f64.convert_i64_s
	OpF64ConvertI64U     Op = 0xBA // f64.convert_i64_u
	OpF64PromoteF32      Op = 0xBB // f64.promote_f32
	OpI32ReinterpretF32  Op = 0xBC // i32.reinterpret_f32
	OpI64ReinterpretF64  Op = 0xBD // i64.reinterpret_f64
	OpF32ReinterpretI32  Op = 0xBE // f32.reinterpret_i32
	OpF64ReinterpretI64  Op = 0xBF // f64.reinterpret_i64
	OpI32Extend8S        Op = 0xC0 // i32.extend8_s
	OpI32Extend16S       Op = 0xC1 // i32.extend16_s
	OpI64Extend8S        Op = 0xC2 // i64.extend8_s
	OpI64Extend16S       Op = 0xC3 // i64.extend16_s
	OpI64Extend32S       Op = 0xC4 // i64.extend32_s
	OpRefNull            Op = 0xD0 // ref.null
	OpRefIsNull          Op = 0xD1 // ref.is_null
	OpRefFunc            Op = 0xD2 // ref.func
)

// Opcodes with the 0xFC prefix: saturating truncation, bulk memory, tables.
const (
	OpI32TruncSatF32S Op = 0xFC0000 // i32.trunc_sat_f32_s
	OpI32TruncSatF32U Op = 0xFC0001 // i32.trunc_sat_f32_u
	OpI32TruncSatF64S Op = 0xFC0002 // i32.trunc_sat_f64_s
	OpI32TruncSatF64U Op = 0xFC0003 // i32.trunc_sat_f64_u
	OpI64TruncSatF32S Op = 0xFC0004 // i64.trunc_sat_f32_s
	OpI64TruncSatF32U Op = 0xFC0005 // i64.trunc_sat_f32_u
	OpI64TruncSatF64S Op = 0xFC0006 // i64.trunc_sat_f64_s
	OpI64TruncSatF64U Op = 0xFC0007 // i64.trunc_sat_f64_u
	OpMemoryInit      Op = 0xFC0008 // memory.init
	OpDataDrop        Op = 0xFC0009 // data.drop
	OpMemoryCopy      Op = 0xFC000A // memory.copy
	OpMemoryFill      Op = 0xFC000B // memory.fill
	OpTableInit       Op = 0xFC000C // table.init
	OpElemDrop        Op = 0xFC000D // elem.drop
	OpTableCopy       Op = 0xFC000E // table.copy
	OpTableGrow       Op = 0xFC000F // table.grow
	OpTableSize       Op = 0xFC0010 // table.size
	OpTableFill       Op = 0xFC0011 // table.fill
)

// Opcodes with the 0xFD prefix: SIMD and relaxed SIMD.
const (
	OpV128Load                      Op = 0xFD0000 // v128.load
	OpV128Load8x8S                  Op = 0xFD0001 // v128.load8x8_s
	OpV128Load8x8U                  Op = 0xFD0002 // v128.load8x8_u
	OpV128Load16x4S                 Op = 0xFD0003 // v128.load16x4_s
	OpV128Load16x4U                 Op = 0xFD0004 // v128.load16x4_u
	OpV128Load32x2S                 Op = 0xFD0005 // v128.load32x2_s
	OpV128Load32x2U                 Op = 0xFD0006 // v128.load32x2_u
	OpV128Load8Splat                Op = 0xFD0007 // v128.load8_splat
	OpV128Load16Splat               Op = 0xFD0008 // v128.load16_splat
	OpV128Load32Splat               Op = 0xFD0009 // v128.load32_splat
	OpV128Load64Splat               Op = 0xFD000A // v128.load64_splat
	OpV128Store                     Op = 0xFD000B // v128.store
	OpV128Const                     Op = 0xFD000C // v128.const
	OpI8x16Shuffle                  Op = 0xFD000D // i8x16.shuffle
	OpI8x16Swizzle                  Op = 0xFD000E // i8x16.swizzle
	OpI8x16Splat                    Op = 0xFD000F // i8x16.splat
	OpI16x8Splat                    Op = 0xFD0010 // i16x8.splat
	OpI32x4Splat                    Op = 0xFD0011 // i32x4.splat
	OpI64x2Splat                    Op = 0xFD0012 // i64x2.splat
	OpF32x4Splat                    Op = 0xFD0013 // f32x4.splat
	OpF64x2Splat                    Op = 0xFD0014 // f64x2.splat
	OpI8x16ExtractLaneS             Op = 0xFD0015 // i8x16.extract_lane_s
	OpI8x16ExtractLaneU             Op = 0xFD0016 // i8x16.extract_lane_u
	OpI8x16ReplaceLane              Op = 0xFD0017 // i8x16.replace_lane
	OpI16x8ExtractLaneS             Op = 0xFD0018 // i16x8.extract_lane_s
	OpI16x8ExtractLaneU             Op = 0xFD0019 // i16x8.extract_lane_u
	OpI16x8ReplaceLane              Op = 0xFD001A // i16x8.replace_lane
	OpI32x4ExtractLane              Op = 0xFD001B // i32x4.extract_lane
	OpI32x4ReplaceLane              Op = 0xFD001C // i32x4.replace_lane
	OpI64x2ExtractLane              Op = 0xFD001D // i64x2.extract_lane
	OpI64x2ReplaceLane              Op = 0xFD001E // i64x2.replace_lane
	OpF32x4ExtractLane              Op = 0xFD001F // f32x4.extract_lane
	OpF32x4ReplaceLane              Op = 0xFD0020 // f32x4.replace_lane
	OpF64x2ExtractLane              Op = 0xFD0021 // f64x2.extract_lane
	OpF64x2ReplaceLane              Op = 0xFD0022 // f64x2.replace_lane
	OpI8x16Eq                       Op = 0xFD0023 // i8x16.eq
	OpI8x16Ne                       Op = 0xFD0024 // i8x16.ne
	OpI8x16LtS                      Op = 0xFD0025 // i8x16.lt_s
	OpI8x16LtU                      Op = 0xFD0026 // i8x16.lt_u
	OpI8x16GtS                      Op = 0xFD0027 // i8x16.gt_s
	OpI8x16GtU                      Op = 0xFD0028 // i8x16.gt_u
	OpI8x16LeS                      Op = 0xFD0029 // i8x16.le_s
	OpI8x16LeU                      Op = 0xFD002A // i8x16.le_u
	OpI8x16GeS                      Op = 0xFD002B // i8x16.ge_s
	OpI8x16GeU                      Op = 0xFD002C // i8x16.ge_u
	OpI16x8Eq                       Op = 0xFD002D // i16x8.eq
	OpI16x8Ne                       Op = 0xFD002E // i16x8.ne
	OpI16x8LtS                      Op = 0xFD002F // i16x8.lt_s
	OpI16x8LtU                      Op = 0xFD0030 // i16x8.lt_u
	OpI16x8GtS                      Op = 0xFD0031 // i16x8.gt_s
	OpI16x8GtU                      Op = 0xFD0032 // i16x8.gt_u
	OpI16x8LeS                      Op = 0xFD0033 // i16x8.le_s
	OpI16x8LeU                      Op = 0xFD0034 // i16x8.le_u
	OpI16x8GeS                      Op = 0xFD0035 // i16x8.ge_s
	OpI16x8GeU                      Op = 0xFD0036 // i16x8.ge_u
	OpI32x4Eq                       Op = 0xFD0037 // i32x4.eq
	OpI32x4Ne                       Op = 0xFD0038 // i32x4.ne
	OpI32x4LtS                      Op = 0xFD0039 // i32x4.lt_s
	OpI32x4LtU                      Op = 0xFD003A // i32x4.lt_u
	OpI32x4GtS                      Op = 0xFD003B // i32x4.gt_s
	OpI32x4GtU                      Op = 0xFD003C // i32x4.gt_u
	OpI32x4LeS                      Op = 0xFD003D // i32x4.le_s
	OpI32x4LeU                      Op = 0xFD003E // i32x4.le_u
	OpI32x4GeS                      Op = 0xFD003F // i32x4.ge_s
	OpI32x4GeU                      Op = 0xFD0040 // i32x4.ge_u
	OpF32x4Eq                       Op = 0xFD0041 // f32x4.eq
	OpF32x4Ne                       Op = 0xFD0042 // f32x4.ne
	OpF32x4Lt                       Op = 0xFD0043 // f32x4.lt
	OpF32x4Gt                       Op = 0xFD0044 // f32x4.gt
	OpF32x4Le                       Op = 0xFD0045 // f32x4.le
	OpF32x4Ge                       Op = 0xFD0046 // f32x4.ge
	OpF64x2Eq                       Op = 0xFD0047 // f64x2.eq
	OpF64x2Ne                       Op = 0xFD0048 // f64x2.ne
	OpF64x2Lt                       Op = 0xFD0049 // f64x2.lt
	OpF64x2Gt                       Op = 0xFD004A // f64x2.gt
	OpF64x2Le                       Op = 0xFD004B // f64x2.le
	OpF64x2Ge                       Op = 0xFD004C // f64x2.ge
	OpV128Not                       Op = 0xFD004D // v128.not
	OpV128And                       Op = 0xFD004E // v128.and
	OpV128Andnot                    Op = 0xFD004F // v128.andnot
	OpV128Or                        Op = 0xFD0050 // v128.or
	OpV128Xor                       Op = 0xFD0051 // v128.xor
	OpV128Bitselect                 Op = 0xFD0052 // v128.bitselect
	OpV128AnyTrue                   Op = 0xFD0053 // v128.any_true
	OpV128Load8Lane                 Op = 0xFD0054 // v128.load8_lane
	OpV128Load16Lane                Op = 0xFD0055 // v128.load16_lane
	OpV128Load32Lane                Op = 0xFD0056 // v128.load32_lane
	OpV128Load64Lane                Op = 0xFD0057 // v128.load64_lane
	OpV128Store8Lane                Op = 0xFD0058 // v128.store8_lane
	OpV128Store16Lane               Op = 0xFD0059 // v128.store16_lane
	OpV128Store32Lane               Op = 0xFD005A // v128.store32_lane
	OpV128Store64Lane               Op = 0xFD005B // v128.store64_lane
	OpV128Load32Zero                Op = 0xFD005C // v128.load32_zero
	OpV128Load64Zero                Op = 0xFD005D // v128.load64_zero
	OpF32x4DemoteF64x2Zero          Op = 0xFD005E // f32x4.demote_f64x2_zero
	OpF64x2PromoteLowF32x4          Op = 0xFD005F // f64x2.promote_low_f32x4
	OpI8x16Abs                      Op = 0xFD0060 // i8x16.abs
	OpI8x16Neg                      Op = 0xFD0061 // i8x16.neg
	OpI8x16Popcnt                   Op = 0xFD0062 // i8x16.popcnt
	OpI8x16AllTrue                  Op = 0xFD0063 // i8x16.all_true
	OpI8x16Bitmask                  Op = 0xFD0064 // i8x16.bitmask
	OpI8x16NarrowI16x8S             Op = 0xFD0065 // i8x16.narrow_i16x8_s
	OpI8x16NarrowI16x8U             Op = 0xFD0066 // i8x16.narrow_i16x8_u
	OpF32x4Ceil                     Op = 0xFD0067 // f32x4.ceil
	OpF32x4Floor                    Op = 0xFD0068 // f32x4.floor
	OpF32x4Trunc                    Op = 0xFD0069 // f32x4.trunc
	OpF32x4Nearest                  Op = 0xFD006A // f32x4.nearest
	OpI8x16Shl                      Op = 0xFD006B // i8x16.shl
	OpI8x16ShrS                     Op = 0xFD006C // i8x16.shr_s
	OpI8x16ShrU                     Op = 0xFD006D // i8x16.shr_u
	OpI8x16Add                      Op = 0xFD006E // i8x16.add
	OpI8x16AddSatS                  Op = 0xFD006F // i8x16.add_sat_s
	OpI8x16AddSatU                  Op = 0xFD0070 // i8x16.add_sat_u
	OpI8x16Sub                      Op = 0xFD0071 // i8x16.sub
	OpI8x16SubSatS                  Op = 0xFD0072 // i8x16.sub_sat_s
	OpI8x16SubSatU                  Op = 0xFD0073 // i8x16.sub_sat_u
	OpF64x2Ceil                     Op = 0xFD0074 // f64x2.ceil
	OpF64x2Floor                    Op = 0xFD0075 // f64x2.floor
	OpI8x16MinS                     Op = 0xFD0076 // i8x16.min_s
	OpI8x16MinU                     Op = 0xFD0077 // i8x16.min_u
	OpI8x16MaxS                     Op = 0xFD0078 // i8x16.max_s
	OpI8x16MaxU                     Op = 0xFD0079 // i8x16.max_u
	OpF64x2Trunc                    Op = 0xFD007A // f64x2.trunc
	OpI8x16AvgrU                    Op = 0xFD007B // i8x16.avgr_u
	OpI16x8ExtaddPairwiseI8x16S     Op = 0xFD007C // i16x8.extadd_pairwise_i8x16_s
	OpI16x8ExtaddPairwiseI8x16U     Op = 0xFD007D // i16x8.extadd_pairwise_i8x16_u
	OpI32x4ExtaddPairwiseI16x8S     Op = 0xFD007E // i32x4.extadd_pairwise_i16x8_s
	OpI32x4ExtaddPairwiseI16x8U     Op = 0xFD007F // i32x4.extadd_pairwise_i16x8_u
	OpI16x8Abs                      Op = 0xFD0080 // i16x8.abs
	OpI16x8Neg                      Op = 0xFD0081 // i16x8.neg
	OpI16x8Q15mulrSatS              Op = 0xFD0082 // i16x8.q15mulr_sat_s
	OpI16x8AllTrue                  Op = 0xFD0083 // i16x8.all_true
	OpI16x8Bitmask                  Op = 0xFD0084 // i16x8.bitmask
	OpI16x8NarrowI32x4S             Op = 0xFD0085 // i16x8.narrow_i32x4_s
	OpI16x8NarrowI32x4U             Op = 0xFD0086 // i16x8.narrow_i32x4_u
	OpI16x8ExtendLowI8x16S          Op = 0xFD0087 // i16x8.extend_low_i8x16_s
	OpI16x8ExtendHighI8x16S         Op = 0xFD0088 // i16x8.extend_high_i8x16_s
	OpI16x8ExtendLowI8x16U          Op = 0xFD0089 // i16x8.extend_low_i8x16_u
	OpI16x8ExtendHighI8x16U         Op = 0xFD008A // i16x8.extend_high_i8x16_u
	OpI16x8Shl                      Op = 0xFD008B // i16x8.shl
	OpI16x8ShrS                     Op = 0xFD008C // i16x8.shr_s
	OpI16x8ShrU                     Op = 0xFD008D // i16x8.shr_u
	OpI16x8Add                      Op = 0xFD008E // i16x8.add
	OpI16x8AddSatS                  Op = 0xFD008F // i16x8.add_sat_s
	OpI16x8AddSatU                  Op = 0xFD0090 // i16x8.add_sat_u
	OpI16x8Sub                      Op = 0xFD0091 // i16x8.sub
	OpI16x8SubSatS                  Op = 0xFD0092 // i16x8.sub_sat_s
	OpI16x8SubSatU                  Op = 0xFD0093 // i16x8.sub_sat_u
	OpF64x2Nearest                  Op = 0xFD0094 // f64x2.nearest
	OpI16x8Mul                      Op = 0xFD0095 // i16x8.mul
	OpI16x8MinS                     Op = 0xFD0096 // i16x8.min_s
	OpI16x8MinU                     Op = 0xFD0097 // i16x8.min_u
	OpI16x8MaxS                     Op = 0xFD0098 // i16x8.max_s
	OpI16x8MaxU                     Op = 0xFD0099 // i16x8.max_u
	OpI16x8AvgrU                    Op = 0xFD009B // i16x8.avgr_u
	OpI16x8ExtmulLowI8x16S          Op = 0xFD009C // i16x8.extmul_low_i8x16_s
	OpI16x8ExtmulHighI8x16S         Op = 0xFD009D // i16x8.extmul_high_i8x16_s
	OpI16x8ExtmulLowI8x16U          Op = 0xFD009E // i16x8.extmul_low_i8x16_u
	OpI16x8ExtmulHighI8x16U         Op = 0xFD009F // i16x8.extmul_high_i8x16_u
	OpI32x4Abs                      Op = 0xFD00A0 // i32x4.abs
	OpI32x4Neg                      Op = 0xFD00A1 // i32x4.neg
	OpI32x4AllTrue                  Op = 0xFD00A3 // i32x4.all_true
	OpI32x4Bitmask                  Op = 0xFD00A4 // i32x4.bitmask
	OpI32x4ExtendLowI16x8S          Op = 0xFD00A7 // i32x4.extend_low_i16x8_s
	OpI32x4ExtendHighI16x8S         Op = 0xFD00A8 // i32x4.extend_high_i16x8_s
	OpI32x4ExtendLowI16x8U          Op = 0xFD00A9 // i32x4.extend_low_i16x8_u
	OpI32x4ExtendHighI16x8U         Op = 0xFD00AA // i32x4.extend_high_i16x8_u
	OpI32x4Shl                      Op = 0xFD00AB // i32x4.shl
	OpI32x4ShrS                     Op = 0xFD00AC // i32x4.shr_s
	OpI32x4ShrU                     Op = 0xFD00AD // i32x4.shr_u
	OpI32x4Add                      Op = 0xFD00AE // i32x4.add
	OpI32x4Sub                      Op = 0xFD00B1 // i32x4.sub
	OpI32x4Mul                      Op = 0xFD00B5 // i32x4.mul
	OpI32x4MinS                     Op = 0xFD00B6 // i32x4.min_s
	OpI32x4MinU                     Op = 0xFD00B7 // i32x4.min_u
	OpI32x4MaxS                     Op = 0xFD00B8 // i32x4.max_s
	OpI32x4MaxU                     Op = 0xFD00B9 // i32x4.max_u
	OpI32x4DotI16x8S                Op = 0xFD00BA // i32x4.dot_i16x8_s
	OpI32x4ExtmulLowI16x8S          Op = 0xFD00BC // i32x4.extmul_low_i16x8_s
	OpI32x4ExtmulHighI16x8S         Op = 0xFD00BD // i32x4.extmul_high_i16x8_s
	OpI32x4ExtmulLowI16x8U          Op = 0xFD00BE // i32x4.extmul_low_i16x8_u
	OpI32x4ExtmulHighI16x8U         Op = 0xFD00BF // i32x4.extmul_high_i16x8_u
	OpI64x2Abs                      Op = 0xFD00C0 // i64x2.abs
	OpI64x2Neg                      Op = 0xFD00C1 // i64x2.neg
	OpI64x2AllTrue                  Op = 0xFD00C3 // i64x2.all_true
	OpI64x2Bitmask                  Op = 0xFD00C4 // i64x2.bitmask
	OpI64x2ExtendLowI32x4S          Op = 0xFD00C7 // i64x2.extend_low_i32x4_s
	OpI64x2ExtendHighI32x4S         Op = 0xFD00C8 // i64x2.extend_high_i32x4_s
	OpI64x2ExtendLowI32x4U          Op = 0xFD00C9 // i64x2.extend_low_i32x4_u
	OpI64x2ExtendHighI32x4U         Op = 0xFD00CA // i64x2.extend_high_i32x4_u
	OpI64x2Shl                      Op = 0xFD00CB // i64x2.shl
	OpI64x2ShrS                     Op = 0xFD00CC // i64x2.shr_s
	OpI64x2ShrU                     Op = 0xFD00CD // i64x2.shr_u
	OpI64x2Add                      Op = 0xFD00CE // i64x2.add
	OpI64x2Sub                      Op = 0xFD00D1 // i64x2.sub
	OpI64x2Mul                      Op = 0xFD00D5 // i64x2.mul
	OpI64x2Eq                       Op = 0xFD00D6 // i64x2.eq
	OpI64x2Ne                       Op = 0xFD00D7 // i64x2.ne
	OpI64x2LtS                      Op = 0xFD00D8 // i64x2.lt_s
	OpI64x2GtS                      Op = 0xFD00D9 // i64x2.gt_s
	OpI64x2LeS                      Op = 0xFD00DA // i64x2.le_s
	OpI64x2GeS                      Op = 0xFD00DB // i64x2.ge_s
	OpI64x2ExtmulLowI32x4S          Op = 0xFD00DC // i64x2.extmul_low_i32x4_s
	OpI64x2ExtmulHighI32x4S         Op = 0xFD00DD // i64x2.extmul_high_i32x4_s
	OpI64x2ExtmulLowI32x4U          Op = 0xFD00DE // i64x2.extmul_low_i32x4_u
	OpI64x2ExtmulHighI32x4U         Op = 0xFD00DF // i64x2.extmul_high_i32x4_u
	OpF32x4Abs                      Op = 0xFD00E0 // f32x4.abs
	OpF32x4Neg                      Op = 0xFD00E1 // f32x4.neg
	OpF32x4Sqrt                     Op = 0xFD00E3 // f32x4.sqrt
	OpF32x4Add                      Op = 0xFD00E4 // f32x4.add
	OpF32x4Sub                      Op = 0xFD00E5 // f32x4.sub
	OpF32x4Mul                      Op = 0xFD00E6 // f32x4.mul
	OpF32x4Div                      Op = 0xFD00E7 // f32x4.div
	OpF32x4Min                      Op = 0xFD00E8 // f32x4.min
	OpF32x4Max                      Op = 0xFD00E9 // f32x4.max
	OpF32x4Pmin                     Op = 0xFD00EA // f32x4.pmin
	OpF32x4Pmax                     Op = 0xFD00EB // f32x4.pmax
	OpF64x2Abs                      Op = 0xFD00EC // f64x2.abs
	OpF64x2Neg                      Op = 0xFD00ED // f64x2.neg
	OpF64x2Sqrt                     Op = 0xFD00EF // f64x2.sqrt
	OpF64x2Add                      Op = 0xFD00F0 // f64x2.add
	OpF64x2Sub                      Op = 0xFD00F1 // f64x2.sub
	OpF64x2Mul                      Op = 0xFD00F2 // f64x2.mul
	OpF64x2Div                      Op = 0xFD00F3 // f64x2.div
	OpF64x2Min                      Op = 0xFD00F4 // f64x2.min
	OpF64x2Max                      Op = 0xFD00F5 // f64x2.max
	OpF64x2Pmin                     Op = 0xFD00F6 // f64x2.pmin
	OpF64x2Pmax                     Op = 0xFD00F7 // f64x2.pmax
	OpI32x4TruncSatF32x4S           Op = 0xFD00F8 // i32x4.trunc_sat_f32x4_s
	OpI32x4TruncSatF32x4U           Op = 0xFD00F9 // i32x4.trunc_sat_f32x4_u
	OpF32x4ConvertI32x4S            Op = 0xFD00FA // f32x4.convert_i32x4_s
	OpF32x4ConvertI32x4U            Op = 0xFD00FB // f32x4.convert_i32x4_u
	OpI32x4TruncSatF64x2SZero       Op = 0xFD00FC // i32x4.trunc_sat_f64x2_s_zero
	OpI32x4TruncSatF64x2UZero       Op = 0xFD00FD // i32x4.trunc_sat_f64x2_u_zero
	OpF64x2ConvertLowI32x4S         Op = 0xFD00FE // f64x2.convert_low_i32x4_s
	OpF64x2ConvertLowI32x4U         Op = 0xFD00FF // f64x2.convert_low_i32x4_u
	OpI8x16RelaxedSwizzle           Op = 0xFD0100 // i8x16.relaxed_swizzle
	OpI32x4RelaxedTruncF32x4S       Op = 0xFD0101 // i32x4.relaxed_trunc_f32x4_s
	OpI32x4RelaxedTruncF32x4U       Op = 0xFD0102 // i32x4.relaxed_trunc_f32x4_u
	OpI32x4RelaxedTruncF64x2SZero   Op = 0xFD0103 // i32x4.relaxed_trunc_f64x2_s_zero
	OpI32x4RelaxedTruncF64x2UZero   Op = 0xFD0104 // i32x4.relaxed_trunc_f64x2_u_zero
	OpF32x4RelaxedMadd              Op = 0xFD0105 // f32x4.relaxed_madd
	OpF32x4RelaxedNmadd             Op = 0xFD0106 // f32x4.relaxed_nmadd
	OpF64x2RelaxedMadd              Op = 0xFD0107 // f64x2.relaxed_madd
	OpF64x2RelaxedNmadd             Op = 0xFD0108 // f64x2.relaxed_nmadd
	OpI8x16RelaxedLaneselect        Op = 0xFD0109 // i8x16.relaxed_laneselect
	OpI16x8RelaxedLaneselect        Op = 0xFD010A // i16x8.relaxed_laneselect
	OpI32x4RelaxedLaneselect        Op = 0xFD010B // i32x4.relaxed_laneselect
	OpI64x2RelaxedLaneselect        Op = 0xFD010C // i64x2.relaxed_laneselect
	OpF32x4RelaxedMin               Op = 0xFD010D // f32x4.relaxed_min
	OpF32x4RelaxedMax               Op = 0xFD010E // f32x4.relaxed_max
	OpF64x2RelaxedMin               Op = 0xFD010F // f64x2.relaxed_min
	OpF64x2RelaxedMax               Op = 0xFD0110 // f64x2.relaxed_max
	OpI16x8RelaxedQ15mulrS          Op = 0xFD0111 // i16x8.relaxed_q15mulr_s
	OpI16x8RelaxedDotI8x16I7x16S    Op = 0xFD0112 // i16x8.relaxed_dot_i8x16_i7x16_s
	OpI32x4RelaxedDotI8x16I7x16AddS Op = 0xFD0113 // i32x4.relaxed_dot_i8x16_i7x16_add_s
)

// Opcodes with the 0xFE prefix: threads (atomics).
const (
	OpMemoryAtomicNotify     Op = 0xFE0000 // memory.atomic.notify
	OpMemoryAtomicWait32     Op = 0xFE0001 // memory.atomic.wait32
	OpMemoryAtomicWait64     Op = 0xFE0002 // memory.atomic.wait64
	OpAtomicFence            Op = 0xFE0003 // atomic.fence
	OpI32AtomicLoad          Op = 0xFE0010 // i32.atomic.load
	OpI64AtomicLoad          Op = 0xFE0011 // i64.atomic.load
	OpI32AtomicLoad8U        Op = 0xFE0012 // i32.atomic.load8_u
	OpI32AtomicLoad16U       Op = 0xFE0013 // i32.atomic.load16_u
	OpI64AtomicLoad8U        Op = 0xFE0014 // i64.atomic.load8_u
	OpI64AtomicLoad16U       Op = 0xFE0015 // i64.atomic.load16_u
	OpI64AtomicLoad32U       Op = 0xFE0016 // i64.atomic.load32_u
	OpI32AtomicStore         Op = 0xFE0017 // i32.atomic.store
	OpI64AtomicStore         Op = 0xFE0018 // i64.atomic.store
	OpI32AtomicStore8        Op = 0xFE0019 // i32.atomic.store8
	OpI32AtomicStore16       Op = 0xFE001A // i32.atomic.store16
	OpI64AtomicStore8        Op = 0xFE001B // i64.atomic.store8
	OpI64AtomicStore16       Op = 0xFE001C // i64.atomic.store16
	OpI64AtomicStore32       Op = 0xFE001D // i64.atomic.store32
	OpI32AtomicRmwAdd        Op = 0xFE001E // i32.atomic.rmw.add
	OpI64AtomicRmwAdd        Op = 0xFE001F // i64.atomic.rmw.add
	OpI32AtomicRmw8AddU      Op = 0xFE0020 // i32.atomic.rmw8.add_u
	OpI32AtomicRmw16AddU     Op = 0xFE0021 // i32.atomic.rmw16.add_u
	OpI64AtomicRmw8AddU      Op = 0xFE0022 // i64.atomic.rmw8.add_u
	OpI64AtomicRmw16AddU     Op = 0xFE0023 // i64.atomic.rmw16.add_u
	OpI64AtomicRmw32AddU     Op = 0xFE0024 // i64.atomic.rmw32.add_u
	OpI32AtomicRmwSub        Op = 0xFE0025 // i32.atomic.rmw.sub
	OpI64AtomicRmwSub        Op = 0xFE0026 // i64.atomic.rmw.sub
	OpI32AtomicRmw8SubU      Op = 0xFE0027 // i32.atomic.rmw8.sub_u
	OpI32AtomicRmw16SubU     Op = 0xFE0028 // i32.atomic.rmw16.sub_u
	OpI64AtomicRmw8SubU      Op = 0xFE0029 // i64.atomic.rmw8.sub_u
	OpI64AtomicRmw16SubU     Op = 0xFE002A // i64.atomic.rmw16.sub_u
	OpI64AtomicRmw32SubU     Op = 0xFE002B // i64.atomic.rmw32.sub_u
	OpI32AtomicRmwAnd        Op = 0xFE002C // i32.atomic.rmw.and
	OpI64AtomicRmwAnd        Op = 0xFE002D // i64.atomic.rmw.and
	OpI32AtomicRmw8AndU      Op = 0xFE002E // i32.atomic.rmw8.and_u
	OpI32AtomicRmw16AndU     Op = 0xFE002F // i32.atomic.rmw16.and_u
	OpI64AtomicRmw8AndU      Op = 0xFE0030 // i64.atomic.rmw8.and_u
	OpI64AtomicRmw16AndU     Op = 0xFE0031 // i64.atomic.rmw16.and_u
	OpI64AtomicRmw32AndU     Op = 0xFE0032 // i64.atomic.rmw32.and_u
	OpI32AtomicRmwOr         Op = 0xFE0033 // i32.atomic.rmw.or
	OpI64AtomicRmwOr         Op = 0xFE0034 // i64.atomic.rmw.or
	OpI32AtomicRmw8OrU       Op = 0xFE0035 // i32.atomic.rmw8.or_u
	OpI32AtomicRmw16OrU      Op = 0xFE0036 // i32.atomic.rmw16.or_u
	OpI64AtomicRmw8OrU       Op = 0xFE0037 // i64.atomic.rmw8.or_u
	OpI64AtomicRmw16OrU      Op = 0xFE0038 // i64.atomic.rmw16.or_u
	OpI64AtomicRmw32OrU      Op = 0xFE0039 // i64.atomic.rmw32.or_u
	OpI32AtomicRmwXor        Op = 0xFE003A // i32.atomic.rmw.xor
	OpI64AtomicRmwXor        Op = 0xFE003B // i64.atomic.rmw.xor
	OpI32AtomicRmw8XorU      Op = 0xFE003C // i32.atomic.rmw8.xor_u
	OpI32AtomicRmw16XorU     Op = 0xFE003D // i32.atomic.rmw16.xor_u
	OpI64AtomicRmw8XorU      Op = 0xFE003E // i64.atomic.rmw8.xor_u
	OpI64AtomicRmw16XorU     Op = 0xFE003F // i64.atomic.rmw16.xor_u
	OpI64AtomicRmw32XorU     Op = 0xFE0040 // i64.atomic.rmw32.xor_u
	OpI32AtomicRmwXchg       Op = 0xFE0041 // i32.atomic.rmw.xchg
	OpI64AtomicRmwXchg       Op = 0xFE0042 // i64.atomic.rmw.xchg
	OpI32AtomicRmw8XchgU     Op = 0xFE0043 // i32.atomic.rmw8.xchg_u
	OpI32AtomicRmw16XchgU    Op = 0xFE0044 // i32.atomic.rmw16.xchg_u
	OpI64AtomicRmw8XchgU     Op = 0xFE0045 // i64.atomic.rmw8.xchg_u
	OpI64AtomicRmw16XchgU    Op = 0xFE0046 // i64.atomic.rmw16.xchg_u
	OpI64AtomicRmw32XchgU    Op = 0xFE0047 // i64.atomic.rmw32.xchg_u
	OpI32AtomicRmwCmpxchg    Op = 0xFE0048 // i32.atomic.rmw.cmpxchg
	OpI64AtomicRmwCmpxchg    Op = 0xFE0049 // i64.atomic.rmw.cmpxchg
	OpI32AtomicRmw8CmpxchgU  Op = 0xFE004A // i32.atomic.rmw8.cmpxchg_u
	OpI32AtomicRmw16CmpxchgU Op = 0xFE004B // i32.atomic.rmw16.cmpxchg_u
	OpI64AtomicRmw8CmpxchgU  Op = 0xFE004C // i64.atomic.rmw8.cmpxchg_u
	OpI64AtomicRmw16CmpxchgU Op = 0xFE004D // i64.atomic.rmw16.cmpxchg_u
	OpI64AtomicRmw32CmpxchgU Op = 0xFE004E // i64.atomic.rmw32.cmpxchg_u
)

// opList is every supported opcode with its text name and immediate kind.
var opList = [...]opInfo{
	{OpUnreachable, "unreachable", immNone},
	{OpNop, "nop", immNone},
	{OpBlock, "block", immBlockType},
	{OpLoop, "loop", immBlockType},
	{OpIf, "if", immBlockType},
	{OpElse, "else", immNone},
	{OpEnd, "end", immNone},
	{OpBr, "br", immLabel},
	{OpBrIf, "br_if", immLabel},
	{OpBrTable, "br_table", immBrTable},
	{OpReturn, "return", immNone},
	{OpCall, "call", immFunc},
	{OpCallIndirect, "call_indirect", immCallIndirect},
	{OpReturnCall, "return_call", immFunc},
	{OpReturnCallIndirect, "return_call_indirect", immCallIndirect},
	{OpDrop, "drop", immNone},
	{OpSelect, "select", immNone},
	{OpSelectT, "select", immSelectT},
	{OpLocalGet, "local.get", immLocal},
	{OpLocalSet, "local.set", immLocal},
	{OpLocalTee, "local.tee", immLocal},
	{OpGlobalGet, "global.get", immGlobal},
	{OpGlobalSet, "global.set", immGlobal},
	{OpTableGet, "table.get", immTable},
	{OpTableSet, "table.set", immTable},
	{OpI32Load, "i32.load", immMemArg},
	{OpI64Load, "i64.load", immMemArg},
	{OpF32Load, "f32.load", immMemArg},
	{OpF64Load, "f64.load", immMemArg},
	{OpI32Load8S, "i32.load8_s", immMemArg},
	{OpI32Load8U, "i32.load8_u", immMemArg},
	{OpI32Load16S, "i32.load16_s", immMemArg},
	{OpI32Load16U, "i32.load16_u", immMemArg},
	{OpI64Load8S, "i64.load8_s", immMemArg},
	{OpI64Load8U, "i64.load8_u", immMemArg},
	{OpI64Load16S, "i64.load16_s", immMemArg},
	{OpI64Load16U, "i64.load16_u", immMemArg},
	{OpI64Load32S, "i64.load32_s", immMemArg},
	{OpI64Load32U, "i64.load32_u", immMemArg},
	{OpI32Store, "i32.store", immMemArg},
	{OpI64Store, "i64.store", immMemArg},
	{OpF32Store, "f32.store", immMemArg},
	{OpF64Store, "f64.store", immMemArg},
	{OpI32Store8, "i32.store8", immMemArg},
	{OpI32Store16, "i32.store16", immMemArg},
	{OpI64Store8, "i64.store8", immMemArg},
	{OpI64Store16, "i64.store16", immMemArg},
	{OpI64Store32, "i64.store32", immMemArg},
	{OpMemorySize, "memory.size", immMemory},
	{OpMemoryGrow, "memory.grow", immMemory},
	{OpI32Const, "i32.const", immI32},
	{OpI64Const, "i64.const", immI64},
	{OpF32Const, "f32.const", immF32},
	{OpF64Const, "f64.const", immF64},
	{OpI32Eqz, "i32.eqz", immNone},
	{OpI32Eq, "i32.eq", immNone},
	{OpI32Ne, "i32.ne", immNone},
	{OpI32LtS, "i32.lt_s", immNone},
	{OpI32LtU, "i32.lt_u", immNone},
	{OpI32GtS, "i32.gt_s", immNone},
	{OpI32GtU, "i32.gt_u", immNone},
	{OpI32LeS, "i32.le_s", immNone},
	{OpI32LeU, "i32.le_u", immNone},
	{OpI32GeS, "i32.ge_s", immNone},
	{OpI32GeU, "i32.ge_u", immNone},
	{OpI64Eqz, "i64.eqz", immNone},
	{OpI64Eq, "i64.eq", immNone},
	{OpI64Ne, "i64.ne", immNone},
	{OpI64LtS, "i64.lt_s", immNone},
	{OpI64LtU, "i64.lt_u", immNone},
	{OpI64GtS, "i64.gt_s", immNone},
	{OpI64GtU, "i64.gt_u", immNone},
	{OpI64LeS, "i64.le_s", immNone},
	{OpI64LeU, "i64.le_u", immNone},
	{OpI64GeS, "i64.ge_s", immNone},
	{OpI64GeU, "i64.ge_u", immNone},
	{OpF32Eq, "f32.eq", immNone},
	{OpF32Ne, "f32.ne", immNone},
	{OpF32Lt, "f32.lt", immNone},
	{OpF32Gt, "f32.gt", immNone},
	{OpF32Le, "f32.le", immNone},
	{OpF32Ge, "f32.ge", immNone},
	{OpF64Eq, "f64.eq", immNone},
	{OpF64Ne, "f64.ne", immNone},
	{OpF64Lt, "f64.lt", immNone},
	{OpF64Gt, "f64.gt", immNone},
	{OpF64Le, "f64.le", immNone},
	{OpF64Ge, "f64.ge", immNone},
	{OpI32Clz, "i32.clz", immNone},
	{OpI32Ctz, "i32.ctz", immNone},
	{OpI32Popcnt, "i32.popcnt", immNone},
	{OpI32Add, "i32.add", immNone},
	{OpI32Sub, "i32.sub", immNone},
	{OpI32Mul, "i32.mul", immNone},
	{OpI32DivS, "i32.div_s", immNone},
	{OpI32DivU, "i32.div_u", immNone},
	{OpI32RemS, "i32.rem_s", immNone},
	{OpI32RemU, "i32.rem_u", immNone},
	{OpI32And, "i32.and", immNone},
	{OpI32Or, "i32.or", immNone},
	{OpI32Xor, "i32.xor", immNone},
	{OpI32Shl, "i32.shl", immNone},
	{OpI32ShrS, "i32.shr_s", immNone},
	{OpI32ShrU, "i32.shr_u", immNone},
	{OpI32Rotl, "i32.rotl", immNone},
	{OpI32Rotr, "i32.rotr", immNone},
	{OpI64Clz, "i64.clz", immNone},
	{OpI64Ctz, "i64.ctz", immNone},
	{OpI64Popcnt, "i64.popcnt", immNone},
	{OpI64Add, "i64.add", immNone},
	{OpI64Sub, "i64.sub", immNone},
	{OpI64Mul, "i64.mul", immNone},
	{OpI64DivS, "i64.div_s", immNone},
	{OpI64DivU, "i64.div_u", immNone},
	{OpI64RemS, "i64.rem_s", immNone},
	{OpI64RemU, "i64.rem_u", immNone},
	{OpI64And, "i64.and", immNone},
	{OpI64Or, "i64.or", immNone},
	{OpI64Xor, "i64.xor", immNone},
	{OpI64Shl, "i64.shl", immNone},
	{OpI64ShrS, "i64.shr_s", immNone},
	{OpI64ShrU, "i64.shr_u", immNone},
	{OpI64Rotl, "i64.rotl", immNone},
	{OpI64Rotr, "i64.rotr", immNone},
	{OpF32Abs, "f32.abs", immNone},
	{OpF32Neg, "f32.neg", immNone},
	{OpF32Ceil, "f32.ceil", immNone},
	{OpF32Floor, "f32.floor", immNone},
	{OpF32Trunc, "f32.trunc", immNone},
	{OpF32Nearest, "f32.nearest", immNone},
	{OpF32Sqrt, "f32.sqrt", immNone},
	{OpF32Add, "f32.add", immNone},
	{OpF32Sub, "f32.sub", immNone},
	{OpF32Mul, "f32.mul", immNone},
	{OpF32Div, "f32.div", immNone},
	{OpF32Min, "f32.min", immNone},
	{OpF32Max, "f32.max", immNone},
	{OpF32Copysign, "f32.copysign", immNone},
	{OpF64Abs, "f64.abs", immNone},
	{OpF64Neg, "f64.neg", immNone},
	{OpF64Ceil, "f64.ceil", immNone},
	{OpF64Floor, "f64.floor", immNone},
	{OpF64Trunc, "f64.trunc", immNone},
	{OpF64Nearest, "f64.nearest", immNone},
	{OpF64Sqrt, "f64.sqrt", immNone},
	{OpF64Add, "f64.add", immNone},
	{OpF64Sub, "f64.sub", immNone},
	{OpF64Mul, "f64.mul", immNone},
	{OpF64Div, "f64.div", immNone},
	{OpF64Min, "f64.min", immNone},
	{OpF64Max, "f64.max", immNone},
	{OpF64Copysign, "f64.copysign", immNone},
	{OpI32WrapI64, "i32.wrap_i64", immNone},
	{OpI32TruncF32S, "i32.trunc_f32_s", immNone},
	{OpI32TruncF32U, "i32.trunc_f32_u", immNone},
	{OpI32TruncF64S, "i32.trunc_f64_s", immNone},
	{OpI32TruncF64U, "i32.trunc_f64_u", immNone},
	{OpI64ExtendI32S, "i64.extend_i32_s", immNone},
	{OpI64ExtendI32U, "i64.extend_i32_u", immNone},
	{OpI64TruncF32S, "i64.trunc_f32_s", immNone},
	{OpI64TruncF32U, "i64.trunc_f32_u", immNone},
	{OpI64TruncF64S, "i64.trunc_f64_s", immNone},
	{OpI64TruncF64U, "i64.trunc_f64_u", immNone},
	{OpF32ConvertI32S, "f32.convert_i32_s", immNone},
	{OpF32ConvertI32U, "f32.convert_i32_u", immNone},
	{OpF32ConvertI64S, "f32.convert_i64_s", immNone},
	{OpF32ConvertI64U, "f32.convert_i64_u", immNone},
	{OpF32DemoteF64, "f32.demote_f64", immNone},
	{OpF64ConvertI32S, "f64.convert_i32_s", immNone},
	{OpF64ConvertI32U, "f64.convert_i32_u", immNone},
	{OpF64ConvertI64S, "f64.convert_i64_s", immNone},
	{OpF64ConvertI64U, "f64.convert_i64_u", immNone},
	{OpF64PromoteF32, "f64.promote_f32", immNone},
	{OpI32ReinterpretF32, "i32.reinterpret_f32", immNone},
	{OpI64ReinterpretF64, "i64.reinterpret_f64", immNone},
	{OpF32ReinterpretI32, "f32.reinterpret_i32", immNone},
	{OpF64ReinterpretI64, "f64.reinterpret_i64", immNone},
	{OpI32Extend8S, "i32.extend8_s", immNone},
	{OpI32Extend16S, "i32.extend16_s", immNone},
	{OpI64Extend8S, "i64.extend8_s", immNone},
	{OpI64Extend16S, "i64.extend16_s", immNone},
	{OpI64Extend32S, "i64.extend32_s", immNone},
	{OpRefNull, "ref.null", immRefType},
	{OpRefIsNull, "ref.is_null", immNone},
	{OpRefFunc, "ref.func", immFunc},
	{OpI32TruncSatF32S, "i32.trunc_sat_f32_s", immNone},
	{OpI32TruncSatF32U, "i32.trunc_sat_f32_u", immNone},
	{OpI32TruncSatF64S, "i32.trunc_sat_f64_s", immNone},
	{OpI32TruncSatF64U, "i32.trunc_sat_f64_u", immNone},
	{OpI64TruncSatF32S, "i64.trunc_sat_f32_s", immNone},
	{OpI64TruncSatF32U, "i64.trunc_sat_f32_u", immNone},
	{OpI64TruncSatF64S, "i64.trunc_sat_f64_s", immNone},
	{OpI64TruncSatF64U, "i64.trunc_sat_f64_u", immNone},
	{OpMemoryInit, "memory.init", immMemoryInit},
	{OpDataDrop, "data.drop", immData},
	{OpMemoryCopy, "memory.copy", immMemoryCopy},
	{OpMemoryFill, "memory.fill", immMemory},
	{OpTableInit, "table.init", immTableInit},
	{OpElemDrop, "elem.drop", immElem},
	{OpTableCopy, "table.copy", immTableCopy},
	{OpTableGrow, "table.grow", immTable},
	{OpTableSize, "table.size", immTable},
	{OpTableFill, "table.fill", immTable},
	{OpV128Load, "v128.load", immMemArg},
	{OpV128Load8x8S, "v128.load8x8_s", immMemArg},
	{OpV128Load8x8U, "v128.load8x8_u", immMemArg},
	{OpV128Load16x4S, "v128.load16x4_s", immMemArg},
	{OpV128Load16x4U, "v128.load16x4_u", immMemArg},
	{OpV128Load32x2S, "v128.load32x2_s", immMemArg},
	{OpV128Load32x2U, "v128.load32x2_u", immMemArg},
	{OpV128Load8Splat, "v128.load8_splat", immMemArg},
	{OpV128Load16Splat, "v128.load16_splat", immMemArg},
	{OpV128Load32Splat, "v128.load32_splat", immMemArg},
	{OpV128Load64Splat, "v128.load64_splat", immMemArg},
	{OpV128Store, "v128.store", immMemArg},
	{OpV128Const, "v128.const", immV128},
	{OpI8x16Shuffle, "i8x16.shuffle", immShuffle},
	{OpI8x16Swizzle, "i8x16.swizzle", immNone},
	{OpI8x16Splat, "i8x16.splat", immNone},
	{OpI16x8Splat, "i16x8.splat", immNone},
	{OpI32x4Splat, "i32x4.splat", immNone},
	{OpI64x2Splat, "i64x2.splat", immNone},
	{OpF32x4Splat, "f32x4.splat", immNone},
	{OpF64x2Splat, "f64x2.splat", immNone},
	{OpI8x16ExtractLaneS, "i8x16.extract_lane_s", immLane},
	{OpI8x16ExtractLaneU, "i8x16.extract_lane_u", immLane},
	{OpI8x16ReplaceLane, "i8x16.replace_lane", immLane},
	{OpI16x8ExtractLaneS, "i16x8.extract_lane_s", immLane},
	{OpI16x8ExtractLaneU, "i16x8.extract_lane_u", immLane},
	{OpI16x8ReplaceLane, "i16x8.replace_lane", immLane},
	{OpI32x4ExtractLane, "i32x4.extract_lane", immLane},
	{OpI32x4ReplaceLane, "i32x4.replace_lane", immLane},
	{OpI64x2ExtractLane, "i64x2.extract_lane", immLane},
	{OpI64x2ReplaceLane, "i64x2.replace_lane", immLane},
	{OpF32x4ExtractLane, "f32x4.extract_lane", immLane},
	{OpF32x4ReplaceLane, "f32x4.replace_lane", immLane},
	{OpF64x2ExtractLane, "f64x2.extract_lane", immLane},
	{OpF64x2ReplaceLane, "f64x2.replace_lane", immLane},
	{OpI8x16Eq, "i8x16.eq", immNone},
	{OpI8x16Ne, "i8x16.ne", immNone},
	{OpI8x16LtS, "i8x16.lt_s", immNone},
	{OpI8x16LtU, "i8x16.lt_u", immNone},
	{OpI8x16GtS, "i8x16.gt_s", immNone},
	{OpI8x16GtU, "i8x16.gt_u", immNone},
	{OpI8x16LeS, "i8x16.le_s", immNone},
	{OpI8x16LeU, "i8x16.le_u", immNone},
	{OpI8x16GeS, "i8x16.ge_s", immNone},
	{OpI8x16GeU, "i8x16.ge_u", immNone},
	{OpI16x8Eq, "i16x8.eq", immNone},
	{OpI16x8Ne, "i16x8.ne", immNone},
	{OpI16x8LtS, "i16x8.lt_s", immNone},
	{OpI16x8LtU, "i16x8.lt_u", immNone},
	{OpI16x8GtS, "i16x8.gt_s", immNone},
	{OpI16x8GtU, "i16x8.gt_u", immNone},
	{OpI16x8LeS, "i16x8.le_s", immNone},
	{OpI16x8LeU, "i16x8.le_u", immNone},
	{OpI16x8GeS, "i16x8.ge_s", immNone},
	{OpI16x8GeU, "i16x8.ge_u", immNone},
	{OpI32x4Eq, "i32x4.eq", immNone},
	{OpI32x4Ne, "i32x4.ne", immNone},
	{OpI32x4LtS, "i32x4.lt_s", immNone},
	{OpI32x4LtU, "i32x4.lt_u", immNone},
	{OpI32x4GtS, "i32x4.gt_s", immNone},
	{OpI32x4GtU, "i32x4.gt_u", immNone},
	{OpI32x4LeS, "i32x4.le_s", immNone},
	{OpI32x4LeU, "i32x4.le_u", immNone},
	{OpI32x4GeS, "i32x4.ge_s", immNone},
	{OpI32x4GeU, "i32x4.ge_u", immNone},
	{OpF32x4Eq, "f32x4.eq", immNone},
	{OpF32x4Ne, "f32x4.ne", immNone},
	{OpF32x4Lt, "f32x4.lt", immNone},
	{OpF32x4Gt, "f32x4.gt", immNone},
	{OpF32x4Le, "f32x4.le", immNone},
	{OpF32x4Ge, "f32x4.ge", immNone},
	{OpF64x2Eq, "f64x2.eq", immNone},
	{OpF64x2Ne, "f64x2.ne", immNone},
	{OpF64x2Lt, "f64x2.lt", immNone},
	{OpF64x2Gt, "f64x2.gt", immNone},
	{OpF64x2Le, "f64x2.le", immNone},
	{OpF64x2Ge, "f64x2.ge", immNone},
	{OpV128Not, "v128.not", immNone},
	{OpV128And, "v128.and", immNone},
	{OpV128Andnot, "v128.andnot", immNone},
	{OpV128Or, "v128.or", immNone},
	{OpV128Xor, "v128.xor", immNone},
	{OpV128Bitselect, "v128.bitselect", immNone},
	{OpV128AnyTrue, "v128.any_true", immNone},
	{OpV128Load8Lane, "v128.load8_lane", immMemArgLane},
	{OpV128Load16Lane, "v128.load16_lane", immMemArgLane},
	{OpV128Load32Lane, "v128.load32_lane", immMemArgLane},
	{OpV128Load64Lane, "v128.load64_lane", immMemArgLane},
	{OpV128Store8Lane, "v128.store8_lane", immMemArgLane},
	{OpV128Store16Lane, "v128.store16_lane", immMemArgLane},
	{OpV128Store32Lane, "v128.store32_lane", immMemArgLane},
	{OpV128Store64Lane, "v128.store64_lane", immMemArgLane},
	{OpV128Load32Zero, "v128.load32_zero", immMemArg},
	{OpV128Load64Zero, "v128.load64_zero", immMemArg},
	{OpF32x4DemoteF64x2Zero, "f32x4.demote_f64x2_zero", immNone},
	{OpF64x2PromoteLowF32x4, "f64x2.promote_low_f32x4", immNone},
	{OpI8x16Abs, "i8x16.abs", immNone},
	{OpI8x16Neg, "i8x16.neg", immNone},
	{OpI8x16Popcnt, "i8x16.popcnt", immNone},
	{OpI8x16AllTrue, "i8x16.all_true", immNone},
	{OpI8x16Bitmask, "i8x16.bitmask", immNone},
	{OpI8x16NarrowI16x8S, "i8x16.narrow_i16x8_s", immNone},
	{OpI8x16NarrowI16x8U, "i8x16.narrow_i16x8_u", immNone},
	{OpF32x4Ceil, "f32x4.ceil", immNone},
	{OpF32x4Floor, "f32x4.floor", immNone},
	{OpF32x4Trunc, "f32x4.trunc", immNone},
	{OpF32x4Nearest, "f32x4.nearest", immNone},
	{OpI8x16Shl, "i8x16.shl", immNone},
	{OpI8x16ShrS, "i8x16.shr_s", immNone},
	{OpI8x16ShrU, "i8x16.shr_u", immNone},
	{OpI8x16Add, "i8x16.add", immNone},
	{OpI8x16AddSatS, "i8x16.add_sat_s", immNone},
	{OpI8x16AddSatU, "i8x16.add_sat_u", immNone},
	{OpI8x16Sub, "i8x16.sub", immNone},
	{OpI8x16SubSatS, "i8x16.sub_sat_s", immNone},
	{OpI8x16SubSatU, "i8x16.sub_sat_u", immNone},
	{OpF64x2Ceil, "f64x2.ceil", immNone},
	{OpF64x2Floor, "f64x2.floor", immNone},
	{OpI8x16MinS, "i8x16.min_s", immNone},
	{OpI8x16MinU, "i8x16.min_u", immNone},
	{OpI8x16MaxS, "i8x16.max_s", immNone},
	{OpI8x16MaxU, "i8x16.max_u", immNone},
	{OpF64x2Trunc, "f64x2.trunc", immNone},
	{OpI8x16AvgrU, "i8x16.avgr_u", immNone},
	{OpI16x8ExtaddPairwiseI8x16S, "i16x8.extadd_pairwise_i8x16_s", immNone},
	{OpI16x8ExtaddPairwiseI8x16U, "i16x8.extadd_pairwise_i8x16_u", immNone},
	{OpI32x4ExtaddPairwiseI16x8S, "i32x4.extadd_pairwise_i16x8_s", immNone},
	{OpI32x4ExtaddPairwiseI16x8U, "i32x4.extadd_pairwise_i16x8_u", immNone},
	{OpI16x8Abs, "i16x8.abs", immNone},
	{OpI16x8Neg, "i16x8.neg", immNone},
	{OpI16x8Q15mulrSatS, "i16x8.q15mulr_sat_s", immNone},
	{OpI16x8AllTrue, "i16x8.all_true", immNone},
	{OpI16x8Bitmask, "i16x8.bitmask", immNone},
	{OpI16x8NarrowI32x4S, "i16x8.narrow_i32x4_s", immNone},
	{OpI16x8NarrowI32x4U, "i16x8.narrow_i32x4_u", immNone},
	{OpI16x8ExtendLowI8x16S, "i16x8.extend_low_i8x16_s", immNone},
	{OpI16x8ExtendHighI8x16S, "i16x8.extend_high_i8x16_s", immNone},
	{OpI16x8ExtendLowI8x16U, "i16x8.extend_low_i8x16_u", immNone},
	{OpI16x8ExtendHighI8x16U, "i16x8.extend_high_i8x16_u", immNone},
	{OpI16x8Shl, "i16x8.shl", immNone},
	{OpI16x8ShrS, "i16x8.shr_s", immNone},
	{OpI16x8ShrU, "i16x8.shr_u", immNone},
	{OpI16x8Add, "i16x8.add", immNone},
	{OpI16x8AddSatS, "i16x8.add_sat_s", immNone},
	{OpI16x8AddSatU, "i16x8.add_sat_u", immNone},
	{OpI16x8Sub, "i16x8.sub", immNone},
	{OpI16x8SubSatS, "i16x8.sub_sat_s", immNone},
	{OpI16x8SubSatU, "i16x8.sub_sat_u", immNone},
	{OpF64x2Nearest, "f64x2.nearest", immNone},
	{OpI16x8Mul, "i16x8.mul", immNone},
	{OpI16x8MinS, "i16x8.min_s", immNone},
	{OpI16x8MinU, "i16x8.min_u", immNone},
	{OpI16x8MaxS, "i16x8.max_s", immNone},
	{OpI16x8MaxU, "i16x8.max_u", immNone},
	{OpI16x8AvgrU, "i16x8.avgr_u", immNone},
	{OpI16x8ExtmulLowI8x16S, "i16x8.extmul_low_i8x16_s", immNone},
	{OpI16x8ExtmulHighI8x16S, "i16x8.extmul_high_i8x16_s", immNone},
	{OpI16x8ExtmulLowI8x16U, "i16x8.extmul_low_i8x16_u", immNone},
	{OpI16x8ExtmulHighI8x16U, "i16x8.extmul_high_i8x16_u", immNone},
	{OpI32x4Abs, "i32x4.abs", immNone},
	{OpI32x4Neg, "i32x4.neg", immNone},
	{OpI32x4AllTrue, "i32x4.all_true", immNone},
	{OpI32x4Bitmask, "i32x4.bitmask", immNone},
	{OpI32x4ExtendLowI16x8S, "i32x4.extend_low_i16x8_s", immNone},
	{OpI32x4ExtendHighI16x8S, "i32x4.extend_high_i16x8_s", immNone},
	{OpI32x4ExtendLowI16x8U, "i32x4.extend_low_i16x8_u", immNone},
	{OpI32x4ExtendHighI16x8U, "i32x4.extend_high_i16x8_u", immNone},
	{OpI32x4Shl, "i32x4.shl", immNone},
	{OpI32x4ShrS, "i32x4.shr_s", immNone},
	{OpI32x4ShrU, "i32x4.shr_u", immNone},
	{OpI32x4Add, "i32x4.add", immNone},
	{OpI32x4Sub, "i32x4.sub", immNone},
	{OpI32x4Mul, "i32x4.mul", immNone},
	{OpI32x4MinS, "i32x4.min_s", immNone},
	{OpI32x4MinU, "i32x4.min_u", immNone},
	{OpI32x4MaxS, "i32x4.max_s", immNone},
	{OpI32x4MaxU, "i32x4.max_u", immNone},
	{OpI32x4DotI16x8S, "i32x4.dot_i16x8_s", immNone},
	{OpI32x4ExtmulLowI16x8S, "i32x4.extmul_low_i16x8_s", immNone},
	{OpI32x4ExtmulHighI16x8S, "i32x4.extmul_high_i16x8_s", immNone},
	{OpI32x4ExtmulLowI16x8U, "i32x4.extmul_low_i16x8_u", immNone},
	{OpI32x4ExtmulHighI16x8U, "i32x4.extmul_high_i16x8_u", immNone},
	{OpI64x2Abs, "i64x2.abs", immNone},
	{OpI64x2Neg, "i64x2.neg", immNone},
	{OpI64x2AllTrue, "i64x2.all_true", immNone},
	{OpI64x2Bitmask, "i64x2.bitmask", immNone},
	{OpI64x2ExtendLowI32x4S, "i64x2.extend_low_i32x4_s", immNone},
	{OpI64x2ExtendHighI32x4S, "i64x2.extend_high_i32x4_s", immNone},
	{OpI64x2ExtendLowI32x4U, "i64x2.extend_low_i32x4_u", immNone},
	{OpI64x2ExtendHighI32x4U, "i64x2.extend_high_i32x4_u", immNone},
	{OpI64x2Shl, "i64x2.shl", immNone},
	{OpI64x2ShrS, "i64x2.shr_s", immNone},
	{OpI64x2ShrU, "i64x2.shr_u", immNone},
	{OpI64x2Add, "i64x2.add", immNone},
	{OpI64x2Sub, "i64x2.sub", immNone},
	{OpI64x2Mul, "i64x2.mul", immNone},
	{OpI64x2Eq, "i64x2.eq", immNone},
	{OpI64x2Ne, "i64x2.ne", immNone},
	{OpI64x2LtS, "i64x2.lt_s", immNone},
	{OpI64x2GtS, "i64x2.gt_s", immNone},
	{OpI64x2LeS, "i64x2.le_s", immNone},
	{OpI64x2GeS, "i64x2.ge_s", immNone},
	{OpI64x2ExtmulLowI32x4S, "i64x2.extmul_low_i32x4_s", immNone},
	{OpI64x2ExtmulHighI32x4S, "i64x2.extmul_high_i32x4_s", immNone},
	{OpI64x2ExtmulLowI32x4U, "i64x2.extmul_low_i32x4_u", immNone},
	{OpI64x2ExtmulHighI32x4U, "i64x2.extmul_high_i32x4_u", immNone},
	{OpF32x4Abs, "f32x4.abs", immNone},
	{OpF32x4Neg, "f32x4.neg", immNone},
	{OpF32x4Sqrt, "f32x4.sqrt", immNone},
	{OpF32x4Add, "f32x4.add", immNone},
	{OpF32x4Sub, "f32x4.sub", immNone},
	{OpF32x4Mul, "f32x4.mul", immNone},
	{OpF32x4Div, "f32x4.div", immNone},
	{OpF32x4Min, "f32x4.min", immNone},
	{OpF32x4Max, "f32x4.max", immNone},
	{OpF32x4Pmin, "f32x4.pmin", immNone},
	{OpF32x4Pmax, "f32x4.pmax", immNone},
	{OpF64x2Abs, "f64x2.abs", immNone},
	{OpF64x2Neg, "f64x2.neg", immNone},
	{OpF64x2Sqrt, "f64x2.sqrt", immNone},
	{OpF64x2Add, "f64x2.add", immNone},
	{OpF64x2Sub, "f64x2.sub", immNone},
	{OpF64x2Mul, "f64x2.mul", immNone},
	{OpF64x2Div, "f64x2.div", immNone},
	{OpF64x2Min, "f64x2.min", immNone},
	{OpF64x2Max, "f64x2.max", immNone},
	{OpF64x2Pmin, "f64x2.pmin", immNone},
	{OpF64x2Pmax, "f64x2.pmax", immNone},
	{OpI32x4TruncSatF32x4S, "i32x4.trunc_sat_f32x4_s", immNone},
	{OpI32x4TruncSatF32x4U, "i32x4.trunc_sat_f32x4_u", immNone},
	{OpF32x4ConvertI32x4S, "f32x4.convert_i32x4_s", immNone},
	{OpF32x4ConvertI32x4U, "f32x4.convert_i32x4_u", immNone},
	{OpI32x4TruncSatF64x2SZero, "i32x4.trunc_sat_f64x2_s_zero", immNone},
	{OpI32x4TruncSatF64x2UZero, "i32x4.trunc_sat_f64x2_u_zero", immNone},
	{OpF64x2ConvertLowI32x4S, "f64x2.convert_low_i32x4_s", immNone},
	{OpF64x2ConvertLowI32x4U, "f64x2.convert_low_i32x4_u", immNone},
	{OpI8x16RelaxedSwizzle, "i8x16.relaxed_swizzle", immNone},
	{OpI32x4RelaxedTruncF32x4S, "i32x4.relaxed_trunc_f32x4_s", immNone},
	{OpI32x4RelaxedTruncF32x4U, "i32x4.relaxed_trunc_f32x4_u", immNone},
	{OpI32x4RelaxedTruncF64x2SZero, "i32x4.relaxed_trunc_f64x2_s_zero", immNone},
	{OpI32x4RelaxedTruncF64x2UZero, "i32x4.relaxed_trunc_f64x2_u_zero", immNone},
	{OpF32x4RelaxedMadd, "f32x4.relaxed_madd", immNone},
	{OpF32x4RelaxedNmadd, "f32x4.relaxed_nmadd", immNone},
	{OpF64x2RelaxedMadd, "f64x2.relaxed_madd", immNone},
	{OpF64x2RelaxedNmadd, "f64x2.relaxed_nmadd", immNone},
	{OpI8x16RelaxedLaneselect, "i8x16.relaxed_laneselect", immNone},
	{OpI16x8RelaxedLaneselect, "i16x8.relaxed_laneselect", immNone},
	{OpI32x4RelaxedLaneselect, "i32x4.relaxed_laneselect", immNone},
	{OpI64x2RelaxedLaneselect, "i64x2.relaxed_laneselect", immNone},
	{OpF32x4RelaxedMin, "f32x4.relaxed_min", immNone},
	{OpF32x4RelaxedMax, "f32x4.relaxed_max", immNone},
	{OpF64x2RelaxedMin, "f64x2.relaxed_min", immNone},
	{OpF64x2RelaxedMax, "f64x2.relaxed_max", immNone},
	{OpI16x8RelaxedQ15mulrS, "i16x8.relaxed_q15mulr_s", immNone},
	{OpI16x8RelaxedDotI8x16I7x16S, "i16x8.relaxed_dot_i8x16_i7x16_s", immNone},
	{OpI32x4RelaxedDotI8x16I7x16AddS, "i32x4.relaxed_dot_i8x16_i7x16_add_s", immNone},
	{OpMemoryAtomicNotify, "memory.atomic.notify", immMemArg},
	{OpMemoryAtomicWait32, "memory.atomic.wait32", immMemArg},
	{OpMemoryAtomicWait64, "memory.atomic.wait64", immMemArg},
	{OpAtomicFence, "atomic.fence", immFence},
	{OpI32AtomicLoad, "i32.atomic.load", immMemArg},
	{OpI64AtomicLoad, "i64.atomic.load", immMemArg},
	{OpI32AtomicLoad8U, "i32.atomic.load8_u", immMemArg},
	{OpI32AtomicLoad16U, "i32.atomic.load16_u", immMemArg},
	{OpI64AtomicLoad8U, "i64.atomic.load8_u", immMemArg},
	{OpI64AtomicLoad16U, "i64.atomic.load16_u", immMemArg},
	{OpI64AtomicLoad32U, "i64.atomic.load32_u", immMemArg},
	{OpI32AtomicStore, "i32.atomic.store", immMemArg},
	{OpI64AtomicStore, "i64.atomic.store", immMemArg},
	{OpI32AtomicStore8, "i32.atomic.store8", immMemArg},
	{OpI32AtomicStore16, "i32.atomic.store16", immMemArg},
	{OpI64AtomicStore8, "i64.atomic.store8", immMemArg},
	{OpI64AtomicStore16, "i64.atomic.store16", immMemArg},
	{OpI64AtomicStore32, "i64.atomic.store32", immMemArg},
	{OpI32AtomicRmwAdd, "i32.atomic.rmw.add", immMemArg},
	{OpI64AtomicRmwAdd, "i64.atomic.rmw.add", immMemArg},
	{OpI32AtomicRmw8AddU, "i32.atomic.rmw8.add_u", immMemArg},
	{OpI32AtomicRmw16AddU, "i32.atomic.rmw16.add_u", immMemArg},
	{OpI64AtomicRmw8AddU, "i64.atomic.rmw8.add_u", immMemArg},
	{OpI64AtomicRmw16AddU, "i64.atomic.rmw16.add_u", immMemArg},
	{OpI64AtomicRmw32AddU, "i64.atomic.rmw32.add_u", immMemArg},
	{OpI32AtomicRmwSub, "i32.atomic.rmw.sub", immMemArg},
	{OpI64AtomicRmwSub, "i64.atomic.rmw.sub", immMemArg},
	{OpI32AtomicRmw8SubU, "i32.atomic.rmw8.sub_u", immMemArg},
	{OpI32AtomicRmw16SubU, "i32.atomic.rmw16.sub_u", immMemArg},
	{OpI64AtomicRmw8SubU, "i64.atomic.rmw8.sub_u", immMemArg},
	{OpI64AtomicRmw16SubU, "i64.atomic.rmw16.sub_u", immMemArg},
	{OpI64AtomicRmw32SubU, "i64.atomic.rmw32.sub_u", immMemArg},
	{OpI32AtomicRmwAnd, "i32.atomic.rmw.and", immMemArg},
	{OpI64AtomicRmwAnd, "i64.atomic.rmw.and", immMemArg},
	{OpI32AtomicRmw8AndU, "i32.atomic.rmw8.and_u", immMemArg},
	{OpI32AtomicRmw16AndU, "i32.atomic.rmw16.and_u", immMemArg},
	{OpI64AtomicRmw8AndU, "i64.atomic.rmw8.and_u", immMemArg},
	{OpI64AtomicRmw16AndU, "i64.atomic.rmw16.and_u", immMemArg},
	{OpI64AtomicRmw32AndU, "i64.atomic.rmw32.and_u", immMemArg},
	{OpI32AtomicRmwOr, "i32.atomic.rmw.or", immMemArg},
	{OpI64AtomicRmwOr, "i64.atomic.rmw.or", immMemArg},
	{OpI32AtomicRmw8OrU, "i32.atomic.rmw8.or_u", immMemArg},
	{OpI32AtomicRmw16OrU, "i32.atomic.rmw16.or_u", immMemArg},
	{OpI64AtomicRmw8OrU, "i64.atomic.rmw8.or_u", immMemArg},
	{OpI64AtomicRmw16OrU, "i64.atomic.rmw16.or_u", immMemArg},
	{OpI64AtomicRmw32OrU, "i64.atomic.rmw32.or_u", immMemArg},
	{OpI32AtomicRmwXor, "i32.atomic.rmw.xor", immMemArg},
	{OpI64AtomicRmwXor, "i64.atomic.rmw.xor", immMemArg},
	{OpI32AtomicRmw8XorU, "i32.atomic.rmw8.xor_u", immMemArg},
	{OpI32AtomicRmw16XorU, "i32.atomic.rmw16.xor_u", immMemArg},
	{OpI64AtomicRmw8XorU, "i64.atomic.rmw8.xor_u", immMemArg},
	{OpI64AtomicRmw16XorU, "i64.atomic.rmw16.xor_u", immMemArg},
	{OpI64AtomicRmw32XorU, "i64.atomic.rmw32.xor_u", immMemArg},
	{OpI32AtomicRmwXchg, "i32.atomic.rmw.xchg", immMemArg},
	{OpI64AtomicRmwXchg, "i64.atomic.rmw.xchg", immMemArg},
	{OpI32AtomicRmw8XchgU, "i32.atomic.rmw8.xchg_u", immMemArg},
	{OpI32AtomicRmw16XchgU, "i32.atomic.rmw16.xchg_u", immMemArg},
	{OpI64AtomicRmw8XchgU, "i64.atomic.rmw8.xchg_u", immMemArg},
	{OpI64AtomicRmw16XchgU, "i64.atomic.rmw16.xchg_u", immMemArg},
	{OpI64AtomicRmw32XchgU, "i64.atomic.rmw32.xchg_u", immMemArg},
	{OpI32AtomicRmwCmpxchg, "i32.atomic.rmw.cmpxchg", immMemArg},
	{OpI64AtomicRmwCmpxchg, "i64.atomic.rmw.cmpxchg", immMemArg},
	{OpI32AtomicRmw8CmpxchgU, "i32.atomic.rmw8.cmpxchg_u", immMemArg},
	{OpI32AtomicRmw16CmpxchgU, "i32.atomic.rmw16.cmpxchg_u", immMemArg},
	{OpI64AtomicRmw8CmpxchgU, "i64.atomic.rmw8.cmpxchg_u", immMemArg},
	{OpI64AtomicRmw16CmpxchgU, "i64.atomic.rmw16.cmpxchg_u", immMemArg},
	{OpI64AtomicRmw32CmpxchgU, "i64.atomic.rmw32.cmpxchg_u", immMemArg},
}
