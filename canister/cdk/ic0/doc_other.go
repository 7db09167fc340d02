//go:build !wasip1

package ic0

// Outside wasip1 there are no ic0 imports and so no System: host code and tests drive the
// CDK through an API implementation such as ic0test.Fake.
