/* The seccomp-trap stub's ELF image, embedded in cvisor so that no file outside the binary
 * is needed. */
	.section .rodata
	.globl cvisor_seccomp_stub_elf
	.globl cvisor_seccomp_stub_elf_end
	.balign 16
cvisor_seccomp_stub_elf:
	.incbin CVISOR_SECCOMP_STUB_PATH
cvisor_seccomp_stub_elf_end:
	.section .note.GNU-stack,"",@progbits
