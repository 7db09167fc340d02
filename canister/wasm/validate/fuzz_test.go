package validate

import "testing"

// FuzzCheck checks that validation never panics, whatever the bytes. Seeds
// are in testdata/fuzz/FuzzCheck.
func FuzzCheck(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range Check(b) {
			if v.Rule == "" || v.Where == "" {
				t.Fatalf("incomplete violation %+v", v)
			}
		}
	})
}
