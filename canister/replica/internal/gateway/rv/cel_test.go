package rv

import (
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"reflect"
	"strings"
	"testing"
)

func TestParseExpression(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Certification
		wantErr string
	}{
		{name: "skip", in: protocol.SkipCertificationExpression, want: Certification{Skip: true}},
		{name: "skip with whitespace", in: "default_certification (\n  ValidationArgs {\n    no_certification: Empty { }\n  }\n)", want: Certification{Skip: true}},
		{
			name: "full",
			in:   `default_certification(ValidationArgs{certification:Certification{request_certification:RequestCertification{certified_request_headers:["host","Accept"],certified_query_parameters:["q"]},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:["content-type"]}}}})`,
			want: Certification{
				Request:  &RequestCertification{CertifiedRequestHeaders: []string{"host", "Accept"}, CertifiedQueryParameters: []string{"q"}},
				Response: ResponseCertification{Headers: []string{"content-type"}},
			},
		},
		{
			name: "response only with exclusions and empty lists",
			in:   `default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},response_certification:ResponseCertification{response_header_exclusions:ResponseHeaderList{headers:[]}}}})`,
			want: Certification{Response: ResponseCertification{Headers: []string{}, Exclude: true}},
		},
		{name: "wrong function", in: `certification(ValidationArgs{no_certification:Empty{}})`, wantErr: "default_certification"},
		{name: "both args", in: `default_certification(ValidationArgs{no_certification:Empty{},certification:Certification{}})`, wantErr: "both"},
		{name: "neither arg", in: `default_certification(ValidationArgs{})`, wantErr: "neither"},
		{name: "missing response", in: `default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{}}})`, wantErr: "response_certification"},
		{name: "missing query params", in: `default_certification(ValidationArgs{certification:Certification{request_certification:RequestCertification{certified_request_headers:[]},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:[]}}}})`, wantErr: "certified_query_parameters"},
		{name: "both header lists", in: `default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:[]},response_header_exclusions:ResponseHeaderList{headers:[]}}}})`, wantErr: "both"},
		{name: "non-string header", in: `default_certification(ValidationArgs{certification:Certification{no_request_certification:Empty{},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:[Empty{}]}}}})`, wantErr: "non-string"},
		{name: "trailing garbage", in: protocol.SkipCertificationExpression + "x", wantErr: "trailing"},
		{name: "unterminated string", in: `default_certification(ValidationArgs{x:["a`, wantErr: "unterminated"},
		{name: "empty", in: "", wantErr: "identifier"},
		{name: "too deep", in: strings.Repeat("[", 100), wantErr: "deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExpression(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseExpression(f *testing.F) {
	f.Add(protocol.SkipCertificationExpression)
	f.Add(`default_certification(ValidationArgs{certification:Certification{request_certification:RequestCertification{certified_request_headers:["host"],certified_query_parameters:[]},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:["content-type"]}}}})`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseExpression(s)
		if err != nil {
			return
		}
		if c.Skip && c.Request != nil {
			t.Errorf("skip certification with a request certification: %+v", c)
		}
	})
}
