# shellcheck shell=bash
# Throwaway "bank" RSA keys for tests, in both formats bank-callback accepts.
#
#   keys_generate DIR [NAME [OWNER]]  writes DIR/NAME.key (private, PEM), DIR/NAME.pub.pem,
#                                     DIR/NAME.pubkeyS.hex (the bare hex) and DIR/NAME.PgPubk.key
#                                     (the file as ChinaPNR issues it)
#   pem_to_pubkeyS PEM [OWNER]        prints the 576-hex-digit pubkeyS of a public key PEM
#   pubkeyS_to_pem FILE               prints the PEM public key of a pubkeyS file
#   pubkeyS_to_pgpubk FILE            prints a PgPubk.key ([NetPayClient], PGID, pubkeyS, pubkeyE)
#                                     with FILE's pubkeyS, CRLF line ends as the bank's Windows
#                                     tools write them
#
# pubkeyS, decoded, is 288 bytes: owner id (20, ASCII, NUL-padded), version "0001" (4),
# modulus (128, big-endian), public exponent (128, big-endian), check value (8).

# Left-pad hex string $2 with zeros to $1 hex digits.
_keys_pad_hex() {
	local width=$1 hex=$2
	while ((${#hex} < width)); do hex=0$hex; done
	echo "$hex"
}

pem_to_pubkeyS() {
	local pem=${1:?usage: pem_to_pubkeyS PEM [OWNER]} owner=${2:-999999}
	local mod exp text owner_hex head body check
	mod=$(openssl rsa -pubin -in "$pem" -noout -modulus) || return 1
	mod=${mod#Modulus=}
	# "Exponent: 65537 (0x10001)"
	text=$(openssl rsa -pubin -in "$pem" -noout -text) || return 1
	exp=$(sed -n 's/^Exponent: [0-9]* (0x\([0-9a-fA-F]*\))$/\1/p' <<<"$text")
	[[ -n $exp ]] || { echo "pem_to_pubkeyS: no exponent in $pem" >&2; return 1; }
	if ((${#mod} != 256)); then
		echo "pem_to_pubkeyS: $pem is not an RSA-1024 key" >&2
		return 1
	fi
	owner_hex=$(printf '%s' "$owner" | xxd -p -c 256)
	head=$(printf '%s' "$owner_hex" | sed -e :a -e 's/^.\{1,39\}$/&00/;ta')
	body=$head$(printf '%s' 0001 | xxd -p)$mod$(_keys_pad_hex 256 "$exp")
	# The check value is not used to verify; any 8 bytes do. Take a digest prefix.
	check=$(printf '%s' "$body" | xxd -r -p | openssl dgst -sha1 -r | cut -c1-16)
	printf '%s\n' "$body$check" | tr a-f A-F
}

pubkeyS_to_pem() {
	local file=${1:?usage: pubkeyS_to_pem FILE} hex tmp rc=0
	hex=$(tr -d ' \r\n' <"$file")
	hex=${hex#pubkeyS=}
	if ((${#hex} != 576)); then
		echo "pubkeyS_to_pem: $file: expected 576 hex digits, got ${#hex}" >&2
		return 1
	fi
	tmp=$(mktemp -d) || return 1
	cat >"$tmp/asn1.cnf" <<-EOF
		asn1=SEQUENCE:rsa
		[rsa]
		n=INTEGER:0x${hex:48:256}
		e=INTEGER:0x${hex:304:256}
	EOF
	openssl asn1parse -genconf "$tmp/asn1.cnf" -noout -out "$tmp/rsa.der" >/dev/null &&
		openssl rsa -RSAPublicKey_in -inform DER -in "$tmp/rsa.der" -pubout 2>/dev/null || rc=1
	rm -rf "$tmp"
	return "$rc"
}

pubkeyS_to_pgpubk() {
	local hex
	hex=$(tr -d ' \r\n' <"${1:?usage: pubkeyS_to_pgpubk FILE}")
	# pubkeyE: another of the bank's keys, with no part in verifying; any 576 digits do here
	printf '[NetPayClient]\r\nPGID=999999\r\npubkeyS=%s\r\npubkeyE=%s\r\n' "$hex" "${hex//A/B}"
}

keys_generate() {
	local dir=${1:?usage: keys_generate DIR [NAME [OWNER]]} name=${2:-bank} owner=${3:-999999}
	mkdir -p "$dir"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$dir/$name.key" 2>/dev/null ||
		return 1
	openssl pkey -in "$dir/$name.key" -pubout -out "$dir/$name.pub.pem" || return 1
	pem_to_pubkeyS "$dir/$name.pub.pem" "$owner" >"$dir/$name.pubkeyS.hex" || return 1
	pubkeyS_to_pgpubk "$dir/$name.pubkeyS.hex" >"$dir/$name.PgPubk.key"
}
