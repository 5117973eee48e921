/* tokenizer_internal.h - code point classes shared by tokenizer.c and the
 * generated table in tokenizer_unicode.c. */
#ifndef KOLM_TOKENIZER_INTERNAL_H
#define KOLM_TOKENIZER_INTERNAL_H

#include <stdint.h>

#define TK_LETTER 1  /* \p{L} */
#define TK_NUMBER 2  /* \p{N} */
#define TK_SPACE 4   /* \s as llama.cpp's unicode tables define it */

int tk_cpt_flags(uint32_t c);

#endif
