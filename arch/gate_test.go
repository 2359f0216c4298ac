package arch

import (
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestGateCode disassembles the gate of every frame and checks that each
// load and store reaches the right field of that frame.
func TestGateCode(t *testing.T) {
	const slot = GateBase
	for k := 0; k < GateFrames; k++ {
		code := GateCode(k)
		pc := GateCodeAddr(slot, k)
		frame := GateFrameAddr(slot, k)
		var got []string
		for off := 0; off < len(code); {
			inst, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				t.Fatalf("frame %d: decode at %d: %v", k, off, err)
			}
			next := pc + uint64(off+inst.Len)
			s := inst.Op.String()
			for _, a := range inst.Args {
				if a == nil {
					break
				}
				switch a := a.(type) {
				case x86asm.Mem:
					if a.Base != x86asm.RIP {
						t.Fatalf("frame %d: non rip-relative operand %v", k, a)
					}
					field := int64(next) + a.Disp - int64(frame)
					s += " [frame+" + itoa(field) + "]"
				default:
					s += " " + strings.ToLower(a.String())
				}
			}
			if off == GateSyscallOffset && inst.Op != x86asm.SYSCALL {
				t.Fatalf("frame %d: GateSyscallOffset %d is %v", k, off, inst)
			}
			got = append(got, s)
			off += inst.Len
		}
		want := []string{
			"MOV rax [frame+0]",
			"MOV rdi [frame+8]", "MOV rsi [frame+16]", "MOV rdx [frame+24]",
			"MOV r10 [frame+32]", "MOV r8 [frame+40]", "MOV r9 [frame+48]",
			"SYSCALL",
			"MOV rdi [frame+56]", "MOV rsi [frame+64]", "MOV rdx [frame+72]",
			"MOV r10 [frame+80]", "MOV r8 [frame+88]", "MOV r9 [frame+96]",
			"MOV [frame+112] 0x0",
			"JMP [frame+104]",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("frame %d:\n%s\nwant:\n%s", k, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func itoa(v int64) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}
