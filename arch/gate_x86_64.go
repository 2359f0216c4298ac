package arch

import "encoding/binary"

// A gate lets a tracee run a syscall with arguments the tracer rewrote,
// and get its own arguments back, with one stop instead of two. At the
// seccomp stop the tracer skips the syscall and moves the PC to gate code
// in the tracee's memory; that code loads the rewritten arguments from a
// frame, issues the syscall (the seccomp filter lets syscalls from the gate
// region through), loads the guest's arguments back, marks the frame free
// and jumps to where the guest's syscall would have returned. The syscall
// clobbers rcx and r11, exactly as the guest's own would have.
//
// One gate is a slot of GateSlotSize bytes, at GateBase + n*GateSlotSize:
// GateFrames copies of the code, each GateCodeSize bytes and bound to its
// own frame, then the frames, then scratch space for rewritten strings:
// one region per frame, since a frame's syscall runs after the tracer let
// the tracee go and a signal handler's syscalls may come first, and one
// more for syscalls restored at their exit stop.
const (
	// GateBase is where slots are mapped; the seccomp filter allows the
	// syscalls whose instruction pointer lies in the 4 GiB above it.
	GateBase     = 0x2ad000000000
	GateRegion   = 1 << 32
	GateSlotSize = 8 << 20
	GateSlots    = GateRegion / GateSlotSize
	GateFrames   = 8
	GateCodeSize = 128
	// GateFrameSize is the size of a frame: nr, 6 new arguments, 6
	// original arguments, the return address, the busy byte.
	GateFrameSize = 128
	gateFramesOff = GateFrames * GateCodeSize
	// GateScratch is the offset of the scratch space in a slot.
	GateScratch = 4096
	// GateScratchSize is the size of each of the GateFrames+1 scratch
	// regions.
	GateScratchSize = (GateSlotSize - GateScratch) / (GateFrames + 1) &^ 4095
)

// GateFrameScratch returns the scratch region of frame k of the slot;
// k == GateFrames is the region of syscalls that do not use the gate.
func GateFrameScratch(slot uint64, k int) (start, end uint64) {
	start = slot + GateScratch + uint64(k)*GateScratchSize
	return start, start + GateScratchSize
}

// Offsets in a gate frame.
const (
	GateFrameNr   = 0
	GateFrameNew  = 8
	GateFrameOrig = 56
	GateFrameRet  = 104
	GateFrameBusy = 112
)

// GateCodeAddr returns the address of the code bound to frame k of the slot.
func GateCodeAddr(slot uint64, k int) uint64 { return slot + uint64(k)*GateCodeSize }

// GateFrameAddr returns the address of frame k of the slot.
func GateFrameAddr(slot uint64, k int) uint64 {
	return slot + gateFramesOff + uint64(k)*GateFrameSize
}

// x86_64 encodings of "mov REG, [rip+disp32]" (REX.W 8B /r, mod=00 rm=101),
// indexed like x8664ArgWords: rdi, rsi, rdx, r10, r8, r9.
var gateLoadArg = [6][3]byte{
	{0x48, 0x8b, 0x3d}, // mov rdi
	{0x48, 0x8b, 0x35}, // mov rsi
	{0x48, 0x8b, 0x15}, // mov rdx
	{0x4c, 0x8b, 0x15}, // mov r10
	{0x4c, 0x8b, 0x05}, // mov r8
	{0x4c, 0x8b, 0x0d}, // mov r9
}

// GateCode returns the machine code bound to frame k of a slot: it is the
// same in every slot, since it reaches its frame relative to itself.
func GateCode(k int) []byte {
	code := make([]byte, 0, GateCodeSize)
	frame := int64(gateFramesOff + k*GateFrameSize - k*GateCodeSize) // frame - code start
	ripRel := func(op []byte, field int, immLen int) {
		code = append(code, op...)
		next := int64(len(code)) + 4 + int64(immLen)
		disp := frame + int64(field) - next
		code = binary.LittleEndian.AppendUint32(code, uint32(int32(disp)))
	}
	ripRel([]byte{0x48, 0x8b, 0x05}, GateFrameNr, 0) // mov rax, [nr]
	for i := 0; i < 6; i++ {
		ripRel(gateLoadArg[i][:], GateFrameNew+8*i, 0)
	}
	code = append(code, 0x0f, 0x05) // syscall
	for i := 0; i < 6; i++ {
		ripRel(gateLoadArg[i][:], GateFrameOrig+8*i, 0)
	}
	ripRel([]byte{0xc6, 0x05}, GateFrameBusy, 1) // mov byte [busy], 0
	code = append(code, 0)
	ripRel([]byte{0xff, 0x25}, GateFrameRet, 0) // jmp [ret]
	if len(code) > GateCodeSize {
		panic("arch: gate code too long")
	}
	return code
}

// GateSyscallOffset is the offset of the syscall instruction in GateCode.
const GateSyscallOffset = 7 * 7
