// Package imagescan scans the images of audited containers with trivy,
// in-process: OS and package inventory from the daemon's image,
// vulnerabilities from a local trivy DB, secrets in the layers and the
// misconfiguration checks trivy applies to image configuration. Each
// distinct image is scanned once, however many containers use it.
//
// It is the only package of isoaudit that imports trivy (see
// depcheck_test.go). Trivy needs GOEXPERIMENT=jsonv2; a build without it
// compiles notrivy.go instead, whose scanner reports every image as not
// scanned (status unknown) with the reason.
package imagescan
