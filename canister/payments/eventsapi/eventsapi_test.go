package eventsapi

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The types must say what stripe_backend.did says: every record's fields, by name and by
// Candid type, in the order the .did lists them.

// didRecords reads the record types of the .did: the inline argument records of list_events
// and list_dead_letters under the method's name, named types under theirs.
func didRecords(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../stripe_backend.did")
	if err != nil {
		t.Fatal(err)
	}
	did := regexp.MustCompile(`//[^\n]*`).ReplaceAllString(string(b), "")
	did = strings.Join(strings.Fields(did), " ")
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`type (\w+) = record \{ ([^{}]*) \};`).FindAllStringSubmatch(did, -1) {
		out[m[1]] = m[2]
	}
	for _, m := range regexp.MustCompile(`(\w+) : \(record \{ ([^{}]*) \}\)`).FindAllStringSubmatch(did, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// candidType writes a Go type as the .did names it (names is the Go type -> .did name).
func candidType(t reflect.Type, names map[reflect.Type]string) string {
	if n, ok := names[t]; ok {
		return n
	}
	switch t.Kind() {
	case reflect.Pointer:
		return "opt " + candidType(t.Elem(), names)
	case reflect.Slice:
		return "vec " + candidType(t.Elem(), names)
	case reflect.String:
		return "text"
	case reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "nat" + strings.TrimPrefix(t.Kind().String(), "uint")
	case reflect.Int64:
		return "int64"
	}
	return "unknown " + t.String()
}

// candidRecord writes a struct's fields as the body of a .did record.
func candidRecord(t reflect.Type, names map[reflect.Type]string) string {
	var fields []string
	for i := range t.NumField() {
		f := t.Field(i)
		fields = append(fields, f.Tag.Get("ic")+" : "+candidType(f.Type, names))
	}
	return strings.Join(fields, "; ") + ";"
}

func TestTypesMatchDid(t *testing.T) {
	did := didRecords(t)
	tests := []struct {
		did string
		typ any
	}{
		{"payment_event", Event{}},
		{"list_events", EventsRequest{}},
		{"event_page", EventPage{}},
		{"list_dead_letters", DeadLettersRequest{}},
		{"dead_letter", DeadLetter{}},
		{"dead_letter_page", DeadLetterPage{}},
	}
	names := map[reflect.Type]string{}
	for _, tt := range tests {
		names[reflect.TypeOf(tt.typ)] = tt.did
	}
	for _, tt := range tests {
		want := strings.TrimSuffix(did[tt.did], ";") + ";"
		if got := candidRecord(reflect.TypeOf(tt.typ), names); got != want {
			t.Errorf("%T:\n got  record { %s }\n want record { %s }", tt.typ, got, want)
		}
	}
}
