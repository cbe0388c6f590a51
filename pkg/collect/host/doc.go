// Package host audits the machine isoaudit runs on (or a mounted root
// filesystem): kernel and runtime patch level, every virtualization layer
// with the signal that decided it, CPU side channels, kernel settings that
// gate exploits, guest tools and shared folders, OS end of life, pending
// security updates, the Docker daemon's configuration and, with Self,
// what the scanning process itself can do inside a container. Everything
// is read from files under a root directory; nothing is executed or
// written.
package host
