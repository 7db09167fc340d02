package protocol

import "testing"

func TestRejectCodeString(t *testing.T) {
	tests := []struct {
		code RejectCode
		want string
	}{
		{SysFatal, "SysFatal"},
		{SysTransient, "SysTransient"},
		{DestinationInvalid, "DestinationInvalid"},
		{CanisterReject, "CanisterReject"},
		{CanisterError, "CanisterError"},
		{SysUnknown, "SysUnknown"},
		{0, "Unknown(0)"},
		{7, "Unknown(7)"},
	}
	for _, tt := range tests {
		if got := tt.code.String(); got != tt.want {
			t.Errorf("RejectCode(%d).String() = %q, want %q", uint32(tt.code), got, tt.want)
		}
	}
}

func TestRejectError(t *testing.T) {
	tests := []struct {
		r    Reject
		want string
	}{
		{Reject{Code: CanisterReject, Message: "no"}, "reject code 4: no"},
		{Reject{Code: CanisterError, Message: "trapped", ErrorCode: ErrCanisterTrapped}, "reject code 5 (IC0502): trapped"},
	}
	for _, tt := range tests {
		if got := tt.r.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
