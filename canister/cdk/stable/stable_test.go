package stable_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/ic0/ic0test"
	"github.com/gocanister/stripe-ic/canister/cdk/stable"
)

func TestWriteGrowsAndReadsBack(t *testing.T) {
	tests := []struct {
		name      string
		off       int64
		data      []byte
		wantPages uint64
	}{
		{"start", 0, []byte("hello"), 1},
		{"page end", stable.PageSize - 2, []byte("abcd"), 2},
		{"far", 3*stable.PageSize + 10, bytes.Repeat([]byte{7}, stable.PageSize), 5},
		{"empty write does not grow", 100 * stable.PageSize, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &ic0test.Fake{}
			m := stable.New(f)
			n, err := m.WriteAt(tt.data, tt.off)
			if err != nil || n != len(tt.data) {
				t.Fatalf("WriteAt = %d, %v", n, err)
			}
			if m.Pages() != tt.wantPages || m.Size() != int64(tt.wantPages)*stable.PageSize {
				t.Fatalf("Pages = %d, Size = %d, want %d pages", m.Pages(), m.Size(), tt.wantPages)
			}
			got := make([]byte, len(tt.data))
			if len(got) > 0 {
				if _, err := m.ReadAt(got, tt.off); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, tt.data) {
				t.Fatal("read back differs")
			}
		})
	}
}

func TestReadAtEOF(t *testing.T) {
	f := &ic0test.Fake{}
	m := stable.New(f)
	buf := make([]byte, 10)
	if n, err := m.ReadAt(buf, 0); n != 0 || err != io.EOF {
		t.Fatalf("empty memory: %d, %v", n, err)
	}
	if _, err := m.WriteAt([]byte("xyz"), stable.PageSize-3); err != nil {
		t.Fatal(err)
	}
	n, err := m.ReadAt(buf, stable.PageSize-3)
	if n != 3 || err != io.EOF || string(buf[:3]) != "xyz" {
		t.Fatalf("partial read: %d, %v, %q", n, err, buf[:n])
	}
	if _, err := m.ReadAt(buf, -1); err == nil {
		t.Fatal("negative offset accepted")
	}
	// io.SectionReader works on top.
	r := io.NewSectionReader(m, stable.PageSize-3, 3)
	all, err := io.ReadAll(r)
	if err != nil || string(all) != "xyz" {
		t.Fatalf("SectionReader: %q, %v", all, err)
	}
}

func TestOutOfMemory(t *testing.T) {
	f := &ic0test.Fake{MaxStablePages: 2}
	m := stable.New(f)
	if _, err := m.WriteAt([]byte{1}, 2*stable.PageSize); !errors.Is(err, stable.ErrOutOfMemory) {
		t.Fatalf("err = %v", err)
	}
	if m.Pages() != 0 {
		t.Fatal("failed grow changed the size")
	}
	old, err := m.Grow(2)
	if err != nil || old != 0 {
		t.Fatalf("Grow = %d, %v", old, err)
	}
}

func TestOffsetWriter(t *testing.T) {
	f := &ic0test.Fake{}
	m := stable.New(f)
	w := io.NewOffsetWriter(m, 8)
	for _, s := range []string{"ab", "cd"} {
		if _, err := io.WriteString(w, s); err != nil {
			t.Fatal(err)
		}
	}
	if string(f.Stable[8:12]) != "abcd" {
		t.Fatalf("stable = %q", f.Stable[:12])
	}
}
