build2/obj/src/lib/engine/vec_arm.o: src/lib/engine/vec_arm.c \
 src/lib/quant/kernels_ref_internal.h src/lib/quant/block_internal.h \
 include/kolm/fp16.h src/lib/engine/vec_ref_internal.h \
 src/lib/engine/vec_arm_internal.h src/lib/quant/kernels_arm_internal.h
src/lib/quant/kernels_ref_internal.h:
src/lib/quant/block_internal.h:
include/kolm/fp16.h:
src/lib/engine/vec_ref_internal.h:
src/lib/engine/vec_arm_internal.h:
src/lib/quant/kernels_arm_internal.h:
