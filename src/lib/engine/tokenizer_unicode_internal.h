/* tokenizer_unicode_internal.h - the code point classes that the generated
 * table in tokenizer_unicode.c answers and tokenizer.c's pre-tokenizers ask:
 * tokenizer_unicode's own header, so the table depends on nothing. */
#ifndef KOLM_TOKENIZER_UNICODE_INTERNAL_H
#define KOLM_TOKENIZER_UNICODE_INTERNAL_H

#include <stdint.h>

#define TK_LETTER 1  /* \p{L} */
#define TK_NUMBER 2  /* \p{N} */
#define TK_SPACE 4   /* \s as llama.cpp's unicode tables define it */

int tk_cpt_flags(uint32_t c);

#endif
