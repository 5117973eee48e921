build2/obj/src/lib/quant/quant.o: src/lib/quant/quant.c \
 include/kolm/quant.h include/kolm/err.h include/kolm/types.h \
 include/kolm/fp16.h src/lib/quant/quant_simd_internal.h
include/kolm/quant.h:
include/kolm/err.h:
include/kolm/types.h:
include/kolm/fp16.h:
src/lib/quant/quant_simd_internal.h:
