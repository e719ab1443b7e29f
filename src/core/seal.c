/* seal.c — key file, subkeys and sealing (see seal.h). */
#include "seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

int seal_key_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : HL_EIO;
	unsigned char key[crypto_kdf_KEYBYTES];
	crypto_kdf_keygen(key);
	ssize_t w = write(fd, key, sizeof key);
	sodium_memzero(key, sizeof key);
	if (w != (ssize_t)sizeof key || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return HL_EIO;
	}
	close(fd);
	return 0;
}

int seal_keys_load(const char *path, struct seal_keys *keys)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("cannot open key file %s: %s", path, strerror(errno));
		return HL_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return HL_EIO;
	}
	if (st.st_mode & 077) {
		log_error("key file %s can be read by others (mode %03o); run chmod 600 on it",
			  path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return HL_EPERM;
	}
	unsigned char master[crypto_kdf_KEYBYTES + 1];
	ssize_t n = read(fd, master, sizeof master);
	close(fd);
	if (n != crypto_kdf_KEYBYTES) {
		log_error("key file %s is not %d bytes", path, crypto_kdf_KEYBYTES);
		sodium_memzero(master, sizeof master);
		return HL_EINVAL;
	}
	crypto_kdf_derive_from_key(keys->contact, 32, 1, "contact_", master);
	crypto_kdf_derive_from_key(keys->receipt, 32, 2, "receipt_", master);
	crypto_kdf_derive_from_key(keys->tokens, 32, 3, "tokens__", master);
	sodium_memzero(master, sizeof master);
	return 0;
}

void seal_box(const struct seal_keys *keys, const void *msg, size_t len, unsigned char *out)
{
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, msg, len, out, keys->contact);
}

int seal_open(const struct seal_keys *keys, const unsigned char *sealed, size_t len, void *out)
{
	if (len < SEAL_OVERHEAD)
		return HL_ECRYPTO;
	if (crypto_secretbox_open_easy(out, sealed + crypto_secretbox_NONCEBYTES,
				       len - crypto_secretbox_NONCEBYTES, sealed, keys->contact) != 0)
		return HL_ECRYPTO;
	return 0;
}
