// Package compose audits the services of a Compose file before anything
// runs: each service becomes the container document a live container
// created from it would have, so the same checks and ids apply.
package compose
