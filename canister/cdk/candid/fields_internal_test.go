package candid

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// decimal32 must accept exactly what strconv.ParseUint(s, 10, 32) accepts.
func TestDecimal32MatchesStrconv(t *testing.T) {
	tests := []string{"", "0", "7", "007", "42", "4294967295", "4294967296", "99999999999",
		"18446744073709551616", "-1", "+1", "1_000", "1a", " 1", "1 ", "0x10", "٣", "name", "_"}
	for _, s := range tests {
		want, err := strconv.ParseUint(s, 10, 32)
		got, ok := decimal32(s)
		if ok != (err == nil) || ok && uint64(got) != want {
			t.Errorf("decimal32(%q) = %d, %v; strconv gives %d, %v", s, got, ok, want, err)
		}
	}
}

func FuzzDecimal32(f *testing.F) {
	f.Add("4294967295")
	f.Add("01")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := strconv.ParseUint(s, 10, 32)
		got, ok := decimal32(s)
		if ok != (err == nil) || ok && uint64(got) != want {
			t.Fatalf("decimal32(%q) = %d, %v; strconv gives %d, %v", s, got, ok, want, err)
		}
	})
}

// structInfoOf orders fields by id, and names duplicates in declaration order.
func TestStructInfoOrder(t *testing.T) {
	type rec struct {
		A int `ic:"30"`
		B int `ic:"7"`
		C int `ic:"1000"`
		D int `ic:"0"`
		E int `ic:"12"`
		F int `ic:"5"`
		G int `ic:"4294967295"`
		H int `ic:"6"`
	}
	info, err := structInfoOf(reflect.TypeFor[rec]())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range info.fields {
		got = append(got, f.name)
	}
	if want := []string{"0", "5", "6", "7", "12", "30", "1000", "4294967295"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	type dup struct {
		X int `ic:"9"`
		Y int `ic:"1"`
		Z int `ic:"09"`
	}
	_, err = structInfoOf(reflect.TypeFor[dup]())
	if want := "candid: candid.dup: fields 9 and 09 have the same id 9"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}
