#!/usr/bin/env bash
# Builds the real Kubernetes lane: etcd, kube-controller-manager and kube-apiserver 1.20.2 from
# Debian's packages (../shared/tools/real-k8s/build.sh), then rebuilds kube-apiserver with the
# upstream fix for kubernetes#99804 (kube-openapi#230): compiled with Go >= 1.16, 1.20's schema
# validator treats "" as null, so custom resources with empty string fields are refused.
# Usage: scripts/real-k8s-build.sh OUT_DIR    (root: apt-get; does nothing when OUT is complete)
set -euo pipefail
OUT=${1:?usage: real-k8s-build.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")/.." && pwd)
bash "$HERE/../shared/tools/real-k8s/build.sh" "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -f "$OUT/.empty-string-fix" ] && { echo "already patched: $OUT"; exit 0; }

echo "[real-k8s] rebuilding kube-apiserver with the empty-string fix" >&2
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; cd "$W"
apt-get source --download-only -qq kubernetes >/dev/null 2>&1
tar xzf kubernetes_*.orig.tar.gz
SRC=$(ls -d "$W"/kubernetes-*/)
# The same library swap as build.sh (1.20's reflect2/json-iterator crash under Go >= 1.18).
for lib in modern-go/reflect2 json-iterator/go; do
  rm -rf "$SRC/vendor/github.com/$lib"; cp -r "/usr/share/gocode/src/github.com/$lib" "$SRC/vendor/github.com/$lib"
  find "$SRC/vendor/github.com/$lib" -name '*_test.go' -delete
done
zero_check='data == nil || reflect.DeepEqual(reflect.Zero(reflect.TypeOf(data)), reflect.ValueOf(data))'
grep -rl --include=type.go "reflect.DeepEqual(reflect.Zero(reflect.TypeOf(data))" "$SRC/vendor" | while read -r f; do
  sed -i "s/$zero_check/data == nil/" "$f"
done
mkdir -p "$W/gopath/src/k8s.io"; ln -s "$SRC" "$W/gopath/src/k8s.io/kubernetes"; cd "$W/gopath/src/k8s.io/kubernetes"
export PATH=/usr/lib/go-1.19/bin:$PATH GOPATH="$W/gopath" GO111MODULE=off GOCACHE="$W/gocache" GOFLAGS=
go build -o "$W/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
DIRS=$( (grep -rl --include='*.go' '+k8s:openapi-gen=' pkg cmd plugin; cd vendor && grep -rlR --include='*.go' '+k8s:openapi-gen=' k8s.io | sed 's#^#vendor/#') \
  | grep -v 'vendor/k8s.io/code-generator\|vendor/k8s.io/sample-apiserver\|_test\.go' | xargs -n1 dirname | LC_ALL=C sort -u | sed 's#^#k8s.io/kubernetes/#' | paste -sd,)
"$W/openapi-gen" -i "$DIRS" -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
  -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$W/violations.report" >/dev/null 2>&1
LDF="-s -w"
for V in k8s.io/kubernetes/vendor/k8s.io/component-base/version k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version; do
  LDF="$LDF -X $V.gitMajor=1 -X $V.gitMinor=20 -X $V.gitVersion=v1.20.2 -X $V.gitTreeState=clean -X $V.buildDate=2021-01-13T00:00:00Z"
done
go build -ldflags "$LDF" -o "$OUT/kube-apiserver.fixed" ./cmd/kube-apiserver
mv "$OUT/kube-apiserver.fixed" "$OUT/kube-apiserver"
touch "$OUT/.empty-string-fix"
echo "[real-k8s] done: kube-apiserver 1.20.2 with the empty-string fix in $OUT" >&2
