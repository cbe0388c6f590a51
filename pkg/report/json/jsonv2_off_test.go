//go:build !goexperiment.jsonv2

package json_test

// jsonErr picks the expected encoding/json error text (see jsonv2_on_test.go).
func jsonErr(v1, _ string) string { return v1 }
