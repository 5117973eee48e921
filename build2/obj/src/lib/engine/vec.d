build2/obj/src/lib/engine/vec.o: src/lib/engine/vec.c \
 src/lib/engine/vec_internal.h include/kolm/fp16.h \
 src/lib/engine/vec_arm_internal.h src/lib/quant/kernels_arm_internal.h \
 src/lib/engine/vec_ref_internal.h src/lib/engine/vec_x86_internal.h \
 src/lib/quant/kernels_x86_internal.h
src/lib/engine/vec_internal.h:
include/kolm/fp16.h:
src/lib/engine/vec_arm_internal.h:
src/lib/quant/kernels_arm_internal.h:
src/lib/engine/vec_ref_internal.h:
src/lib/engine/vec_x86_internal.h:
src/lib/quant/kernels_x86_internal.h:
