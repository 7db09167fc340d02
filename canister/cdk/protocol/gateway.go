package protocol

// SkipCertificationExpression is the IC-CertificateExpression of a response the canister does
// not certify beyond its identity (response verification v2, "skip certification").
const SkipCertificationExpression = "default_certification(ValidationArgs{no_certification:Empty{}})"
