# Versions of the local cluster, sourced by build.sh, up.sh and down.sh.
# One Kubernetes minor that kind ships node images for, so `make kind-up` and the local
# cluster speak the same API; etcd 3.6 because Debian's 3.4 is too old for it.
KUBE_VERSION=${KUBE_VERSION:-1.36.3}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
KWOK_VERSION=${KWOK_VERSION:-0.8.0}
COREDNS_VERSION=${COREDNS_VERSION:-1.14.7}
CRICTL_VERSION=${CRICTL_VERSION:-1.34.0}
KUBE_CACHE=${MNIST_CACHE:-$HOME/.cache/mnist-k8s}/kube/$KUBE_VERSION
KUBE_BIN=$KUBE_CACHE/bin
