// func reserveStack()
//
// A frame of stackReserve bytes (stack_wasip1.go) that is never written: the prologue's stack check
// grows the goroutine's stack when less than that is free, and costs a few instructions
// otherwise. Without NOSPLIT the assembler emits that check; the frame holds no pointers and
// the function calls nothing, so no stack map is needed.
TEXT ·reserveStack(SB), 0, $16384-0
	RET
