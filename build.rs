//! Compiles `proto/` with protox (pure Rust, no protoc), generates the tonic
//! server and client, writes the file descriptor set that server
//! reflection serves, and generates the proto3 JSON mapping of every
//! message (pbjson) that the HTTP edge speaks. The JSON writes every field,
//! zeros and empty lists included (the mapping's "emit unpopulated"
//! option): a claim at the start of a draft has `"start": 0` rather than
//! no `start`, so clients need not know proto3's defaults.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_file = "proto/claimcheck/v1/claimcheck.proto";
    println!("cargo:rerun-if-changed={proto_file}");
    let descriptor_set = protox::compile([proto_file], ["proto"])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("claimcheck_descriptor.bin"),
        descriptor_set.encode_to_vec(),
    )?;
    pbjson_build::Builder::new()
        .register_descriptors(&descriptor_set.encode_to_vec())?
        .out_dir(&out_dir)
        .emit_fields()
        .build(&[".claimcheck.v1"])?;
    // Undecodable requests are the caller's fault: INVALID_ARGUMENT (see
    // src/grpc/protocol.rs).
    tonic_prost_build::configure()
        .codec_path("crate::grpc::protocol::RequestCodec")
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptor_set)?;
    Ok(())
}
