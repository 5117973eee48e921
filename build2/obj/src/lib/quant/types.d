build2/obj/src/lib/quant/types.o: src/lib/quant/types.c \
 include/kolm/types.h include/kolm/fp16.h src/lib/quant/block_internal.h \
 src/lib/quant/kernels_internal.h include/kolm/util.h include/kolm/err.h \
 src/lib/quant/quant_k_internal.h src/lib/quant/quant_ref_internal.h
include/kolm/types.h:
include/kolm/fp16.h:
src/lib/quant/block_internal.h:
src/lib/quant/kernels_internal.h:
include/kolm/util.h:
include/kolm/err.h:
src/lib/quant/quant_k_internal.h:
src/lib/quant/quant_ref_internal.h:
