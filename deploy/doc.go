// Package deploy holds the production bundle (compose file, Dockerfile,
// Keycloak realm, Traefik, PostgreSQL, Mosquitto and observability
// configurations) and, in its tests, the checks that keep it in step
// with the code: the compose file against the Compose specification's
// schema, every file it refers to, pinned images, the Dockerfile's build,
// the realm export against Serenade's token verifier, and every
// dashboard and alert query against the metrics a running server exports.
package deploy
