package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDeployFilesAgree checks what can be checked here of the files users deploy with
// (no container can be built or run on the CI machines): the image builds the command
// with the FTS5 tag, its HEALTHCHECK asks /healthz on the port the ops listener is given,
// compose publishes that port on the loopback only, and the image and the unit both run
// `paperboy run` with the database on their state volume.
func TestDeployFilesAgree(t *testing.T) {
	read := func(p string) string {
		b, err := os.ReadFile("../../" + p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	docker, compose, unit := read("Dockerfile"), read("compose.yaml"), read("deploy/paperboy.service")
	for _, want := range []string{"-tags sqlite_fts5", "./cmd/paperboy", "CGO_ENABLED=1", "USER paperboy", "VOLUME /data",
		"PAPERBOY_DB=/data/paperboy.db", `ENTRYPOINT ["paperboy"]`, `CMD ["run"]`} {
		if !strings.Contains(docker, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	listen := regexp.MustCompile(`PAPERBOY_OPS_LISTEN=127\.0\.0\.1:(\d+)`).FindStringSubmatch(docker)
	health := regexp.MustCompile(`HEALTHCHECK [^\n]*\\\n\s+CMD wget -q -O /dev/null http://127\.0\.0\.1:(\d+)/healthz`).FindStringSubmatch(docker)
	if listen == nil || health == nil || listen[1] != health[1] {
		t.Errorf("the HEALTHCHECK does not ask /healthz where the ops listener listens: %v %v", listen, health)
	}
	if port := regexp.MustCompile(`"127\.0\.0\.1:(\d+):(\d+)"`).FindStringSubmatch(compose); port == nil || listen == nil || port[2] != listen[1] {
		t.Errorf("compose.yaml does not publish the ops port on the loopback: %v", port)
	}
	for _, want := range []string{"ExecStart=/usr/local/bin/paperboy run ", "DynamicUser=yes", "StateDirectory=paperboy",
		"PAPERBOY_DB=/var/lib/paperboy/paperboy.db", "ProtectSystem=strict", "Restart=on-failure", "NoNewPrivileges=yes"} {
		if !strings.Contains(unit, want) {
			t.Errorf("deploy/paperboy.service lacks %q", want)
		}
	}
	// `run` and the tools the comments tell users to run exist.
	for _, cmd := range []string{"run", "doctor", "backup"} {
		if !strings.Contains(usage, "\n  "+cmd+" ") {
			t.Errorf("the deploy files name `paperboy %s`, which the usage lacks", cmd)
		}
	}
}
