package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot/bottest"
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

// TestImageStartsHealthy runs the binary the way the Dockerfile's image does: its ENV
// (the database under /data, here a temporary directory; the ops listener on a free port)
// and its ENTRYPOINT and CMD, with no configuration file, no chat token and stdin closed
// (a container has no terminal). The HEALTHCHECK's /healthz must answer 200, and SIGTERM
// (the image's STOPSIGNAL) must end the process cleanly.
func TestImageStartsHealthy(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	docker := string(b)
	envBlock := regexp.MustCompile(`(?m)^ENV ((?:.*\\\n)*.*)$`).FindStringSubmatch(docker)
	cmdLine := regexp.MustCompile(`(?m)^CMD \[(.*)\]$`).FindStringSubmatch(docker)
	health := regexp.MustCompile(`CMD wget -q -O /dev/null (http://\S+/healthz)`).FindStringSubmatch(docker)
	if envBlock == nil || cmdLine == nil || health == nil {
		t.Fatalf("Dockerfile: ENV %v, CMD %v, HEALTHCHECK %v: want all three", envBlock, cmdLine, health)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	data := t.TempDir()
	var env []string
	for _, kv := range regexp.MustCompile(`(PAPERBOY_\w+)=(\S+)`).FindAllStringSubmatch(envBlock[1], -1) {
		v := strings.Replace(kv[2], "/data", data, 1)
		if kv[1] == "PAPERBOY_OPS_LISTEN" {
			v = regexp.MustCompile(`:\d+$`).ReplaceAllString(v, ":"+port)
		}
		env = append(env, kv[1]+"="+v)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PAPERBOY_") && !strings.HasPrefix(kv, "SLACK_") && !strings.HasPrefix(kv, "DISCORD_") {
			env = append(env, kv)
		}
	}
	var args []string
	for _, a := range strings.Split(cmdLine[1], ",") {
		args = append(args, strings.Trim(strings.TrimSpace(a), `"`))
	}
	url := regexp.MustCompile(`:\d+/`).ReplaceAllString(health[1], ":"+port+"/")

	cmd := exec.Command(testBinary(t), args...)
	cmd.Dir, cmd.Env = data, env
	logs := &bottest.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("paperboy exited before /healthz answered (%v):\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no 200 from %s after 20 s:\n%s", url, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(data, "paperboy.db")); err != nil {
		t.Errorf("no database on the image's volume: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM: %v, want a clean exit:\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 20 s after SIGTERM:\n%s", logs.String())
	}
}
