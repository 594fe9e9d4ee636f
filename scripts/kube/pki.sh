# Sourced by up.sh: a self-signed CA and one certificate per identity, plus the kubeconfigs that
# use them. Kept when present so a restart keeps tokens and kubeconfigs valid.
#   apiserver            serving cert: 10.250.0.2, the kubernetes Service IP, kubernetes.default...
#   admin                system:masters: people, tests, the deployer, controllers, CoreDNS, KWOK
#   apiserver-kubelet    the API server's client cert towards kubelets (logs, exec, port-forward)
#   kube-proxy           system:kube-proxy (bound to system:node-proxier by default)
#   kubelet-<node>       system:node:<node> in system:nodes (the Node authorizer's identity)
#   kubelet-<node>-serving  the kubelet's HTTPS server, for its node IP
#   kwok-serving         KWOK's kubelet server for the fake nodes (127.0.0.1 in mnist-cp)

# Signs $1.crt for subject $2 with extensions $3 using the local CA.
sign_cert() {
  local name=$1 subject=$2 ext=$3
  [[ -f $pki/$name.crt ]] && return
  openssl req -new -nodes -newkey rsa:2048 -keyout "$pki/$name.key" -subj "$subject" \
    -out "$pki/$name.csr" 2>/dev/null
  printf '%b\n' "$ext" > "$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
  chmod 600 "$pki/$name.key"
}

client_ext="keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth"
server_ext="keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth"

make_pki() {
  local i name
  mkdir -p "$pki"
  if [[ ! -f $pki/ca.crt ]]; then
    openssl req -x509 -new -nodes -newkey rsa:2048 -keyout "$pki/ca.key" -out "$pki/ca.crt" \
      -days 3650 -subj "/CN=mnist-k8s-local-ca" 2>/dev/null
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
    chmod 600 "$pki"/*.key
  fi
  local san="subjectAltName=IP:$CP_IP,IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default"
  san+=",DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
  sign_cert apiserver "/CN=kube-apiserver" "$san\n$server_ext"
  sign_cert admin "/O=system:masters/CN=kubernetes-admin" "$client_ext"
  sign_cert apiserver-kubelet "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client_ext"
  sign_cert kube-proxy "/CN=system:kube-proxy" "$client_ext"
  sign_cert kwok-serving "/CN=kwok" "subjectAltName=IP:127.0.0.1\n$server_ext"
  for ((i = 1; i <= REAL_NODES; i++)); do
    name=$(node_name "$i")
    sign_cert "kubelet-$name" "/O=system:nodes/CN=system:node:$name" "$client_ext"
    sign_cert "kubelet-$name-serving" "/CN=$name" "subjectAltName=IP:$(node_ip "$i"),DNS:$name\n$server_ext"
  done
}

# A self-contained kubeconfig (certs inlined) at $1 for the identity whose cert is $2.
write_kubeconfig() {
  local file=$1 identity=${2:-admin}
  cat > "$file" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: mnist-local
  cluster:
    server: $api_url
    certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
- name: $identity
  user:
    client-certificate-data: $(base64 -w0 < "$pki/$identity.crt")
    client-key-data: $(base64 -w0 < "$pki/$identity.key")
contexts:
- name: mnist-local
  context: { cluster: mnist-local, user: $identity }
current-context: mnist-local
YAML
  chmod 600 "$file"
}
