build2/obj/src/lib/quant/quant_simd.o: src/lib/quant/quant_simd.c \
 src/lib/quant/quant_simd_internal.h include/kolm/types.h \
 include/kolm/fp16.h src/lib/quant/block_internal.h \
 src/lib/quant/quant_ref_internal.h
src/lib/quant/quant_simd_internal.h:
include/kolm/types.h:
include/kolm/fp16.h:
src/lib/quant/block_internal.h:
src/lib/quant/quant_ref_internal.h:
