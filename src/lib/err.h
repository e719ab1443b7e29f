/* err.h — the error codes every module returns (0 is success). */
#ifndef HL_ERR_H
#define HL_ERR_H

enum {
	HL_OK = 0,
	HL_ENOMEM = -1,    /* out of memory */
	HL_ETOOBIG = -2,   /* a size limit was reached */
	HL_EINVAL = -3,    /* invalid input (the caller has the details) */
	HL_ENOTFOUND = -4, /* no such thing */
	HL_EIO = -5,       /* file or database I/O failed */
	HL_EEXIST = -6,    /* unique constraint: the thing already exists */
	HL_EBUSY = -7,     /* try again later */
	HL_ECRYPTO = -8,   /* a cryptographic operation failed */
	HL_EPERM = -9,     /* refused: permissions, unsafe file mode */
};

#endif
