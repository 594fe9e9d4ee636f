# Sourced by up.sh: a self-signed CA, the API server's serving cert for 127.0.0.1, the service
# account key pair and an admin client cert (system:masters), plus the kubeconfig that uses them.
# Kept when present so a restart keeps tokens and the kubeconfig valid.

# Signs $1.crt for subject $2 with extensions $3 using the local CA.
sign_cert() {
  local name=$1 subject=$2 ext=$3
  openssl req -new -nodes -newkey rsa:2048 -keyout "$pki/$name.key" -subj "$subject" \
    -out "$pki/$name.csr" 2>/dev/null
  printf '%b\n' "$ext" > "$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

make_pki() {
  [[ -f $pki/admin.crt ]] && return
  mkdir -p "$pki"
  openssl req -x509 -new -nodes -newkey rsa:2048 -keyout "$pki/ca.key" -out "$pki/ca.crt" \
    -days 3650 -subj "/CN=mnist-k8s-local-ca" 2>/dev/null
  local san="subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default"
  san+=",DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign_cert apiserver "/CN=kube-apiserver" \
    "$san\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth"
  sign_cert admin "/O=system:masters/CN=kubernetes-admin" \
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  chmod 600 "$pki"/*.key
  echo "generated certificates in $pki"
}

# A self-contained kubeconfig (certs inlined) for people, the deployer and the components.
write_kubeconfig() {
  local file=$1
  cat > "$file" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: mnist-local
  cluster:
    server: $api_url
    certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(base64 -w0 < "$pki/admin.crt")
    client-key-data: $(base64 -w0 < "$pki/admin.key")
contexts:
- name: mnist-local
  context: { cluster: mnist-local, user: admin }
current-context: mnist-local
YAML
  chmod 600 "$file"
}
