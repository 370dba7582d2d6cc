//! `VfsFat::mkfs` with default options writes MicroPython's `vfs.VfsFat.mkfs` image byte for
//! byte, on zero-filled devices of every sector size and of sizes across every layout change
//! (FAT12 and FAT16 cluster sizes, FAT12/16, FAT16/FAT32 with its partition table, too small).
//!
//! [`CASES`] holds the SHA-256 of MicroPython's image per case, measured with `micropython`
//! v1.29 (unix port) and `tests/mkfs_oracle.py` by [`same_as_micropython_now`] (run with
//! `--nocapture` to print the table). The image is hashed up to the end of its last sector that
//! is not all zeros, after its volume serial number (FatFs's clock at mkfs time) was replaced by
//! `0x28210000`, the serial uvfs writes with its default clock (2000-01-01 00:00:00).
//! [`same_as_micropython_now`] also runs MicroPython at test time and compares whole images,
//! with uvfs's clock set to the time MicroPython's serial number encodes, and the set of
//! sectors written (so the result is the same on a device that is not zero-filled).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use sha2::{Digest, Sha256};
use uvfs_backend_fat::{FatType, VfsFat};
use uvfs_os_api::{
    BlockCount, BlockDevice, BlockIdx, Errno, Filesystem, FixedTime, OpenMode, Result, Timestamp,
};

/// A zero-filled device that stores only the blocks written (volumes of several GiB).
struct Sparse {
    bs: u32,
    n: u32,
    blocks: BTreeMap<u32, Vec<u8>>,
    /// Every block written.
    written: BTreeSet<u32>,
}

impl Sparse {
    fn new(bs: u32, n: u32) -> Sparse {
        Sparse {
            bs,
            n,
            blocks: BTreeMap::new(),
            written: BTreeSet::new(),
        }
    }

    /// The blocks that are not all zeros.
    fn nonzero(self) -> BTreeMap<u32, Vec<u8>> {
        let mut b = self.blocks;
        b.retain(|_, d| d.iter().any(|&x| x != 0));
        b
    }

    /// The blocks written, as `mkfs_oracle.py` prints them.
    fn written(&self) -> String {
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for &b in &self.written {
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == b => *last = b,
                _ => runs.push((b, b)),
            }
        }
        let runs: Vec<String> = runs.iter().map(|(a, b)| format!("{a}-{b}")).collect();
        runs.join(",")
    }

    fn span(&self, block: BlockIdx, offset: u32, len: usize) -> Result<u64> {
        let start = u64::from(block.0) * u64::from(self.bs) + u64::from(offset);
        if start + len as u64 > u64::from(self.n) * u64::from(self.bs) {
            return Err(Errno::EIO.into());
        }
        Ok(start)
    }
}

impl BlockDevice for Sparse {
    fn block_size(&self) -> u32 {
        self.bs
    }
    fn block_count(&self) -> u32 {
        self.n
    }
    fn needs_erase(&self) -> bool {
        false
    }
    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        let mut p = self.span(block, offset, buf.len())?;
        let bs = u64::from(self.bs);
        let mut done = 0;
        while done < buf.len() {
            let (blk, off) = ((p / bs) as u32, (p % bs) as usize);
            let len = (self.bs as usize - off).min(buf.len() - done);
            let out = &mut buf[done..done + len];
            match self.blocks.get(&blk) {
                Some(d) => out.copy_from_slice(&d[off..off + len]),
                None => out.fill(0),
            }
            done += len;
            p += len as u64;
        }
        Ok(())
    }
    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        let mut p = self.span(block, offset, data.len())?;
        let bs = self.bs as usize;
        let mut done = 0;
        while done < data.len() {
            let (blk, off) = ((p / bs as u64) as u32, (p % bs as u64) as usize);
            let len = (bs - off).min(data.len() - done);
            self.written.insert(blk);
            self.blocks.entry(blk).or_insert_with(|| vec![0; bs])[off..off + len]
                .copy_from_slice(&data[done..done + len]);
            done += len;
            p += len as u64;
        }
        Ok(())
    }
    fn erase(&mut self, _: BlockIdx, _: BlockCount) -> Result<()> {
        Ok(())
    }
}

type Image = BTreeMap<u32, Vec<u8>>;

/// uvfs's mkfs with default options: the blocks that are not zeros and the blocks written, or
/// the errno.
fn uvfs_mkfs(bs: u32, n: u32, clock: Option<i64>) -> std::result::Result<(Image, String), Errno> {
    let mut fs = VfsFat::new(Sparse::new(bs, n)).unwrap();
    if let Some(t) = clock {
        fs.set_time_source(Box::new(FixedTime(Timestamp::from_secs(t))));
    }
    fs.mkfs(&Default::default()).map_err(|e| e.errno())?;
    let dev = fs.into_device();
    let written = dev.written();
    Ok((dev.nonzero(), written))
}

/// Where the volume serial numbers are: `(block, offset)`.
fn serial_places(bs: u32, img: &Image) -> Vec<(u32, usize)> {
    let zero = vec![0u8; bs as usize];
    let b0 = img.get(&0).unwrap_or(&zero);
    if b0[0] == 0xEB {
        vec![(0, 39)]
    } else {
        let start = u32::from_le_bytes(b0[454..458].try_into().unwrap());
        vec![(start, 67), (start + 6, 67)]
    }
}

fn serial(bs: u32, img: &Image) -> u32 {
    let (b, o) = serial_places(bs, img)[0];
    u32::from_le_bytes(img[&b][o..o + 4].try_into().unwrap())
}

/// SHA-256 of the image up to its last non-zero block, serial number set to `0x28210000`.
fn digest(bs: u32, img: &Image) -> String {
    let mut img = img.clone();
    for (b, o) in serial_places(bs, &img) {
        img.get_mut(&b).unwrap()[o..o + 4].copy_from_slice(&0x2821_0000u32.to_le_bytes());
    }
    let last = img.keys().next_back().copied().unwrap_or(0);
    let zero = vec![0u8; bs as usize];
    let mut h = Sha256::new();
    for b in 0..=last {
        h.update(img.get(&b).unwrap_or(&zero));
    }
    format!("{:x}", h.finalize())
}

/// Seconds since 1970 (UTC) of a FAT date (high half) and time (low half).
fn from_fat(v: u32) -> i64 {
    let (date, time) = (v >> 16, v & 0xFFFF);
    let (y, m, d) = (
        1980 + i64::from(date >> 9),
        i64::from((date >> 5) & 15),
        i64::from(date & 31),
    );
    // Days from civil (proleptic Gregorian).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * 86_400
        + i64::from(time >> 11) * 3600
        + i64::from((time >> 5) & 63) * 60
        + i64::from(time & 31) * 2
}

/// `(sector size, sectors, MicroPython's result)`: the digest of its image, or its errno.
#[rustfmt::skip]
const CASES: &[(u32, u32, std::result::Result<&str, i32>)] = &[
    (512, 1, Err(5)),
    (512, 49, Err(5)),
    (512, 50, Ok("a32f0d4b4bfc25fc58e8542eb4aba9e7851b787d3aae614e808d0a672f1b0805")),
    (512, 64, Ok("92d441ecacf9e0559f9bb02e26979ab3cdd83d13f2663659a497396ad25a0f62")),
    (512, 100, Ok("34e3497458b1bf6203a160fb9571555012f12ece9230ac358fdc2955c40ad2dd")),
    (512, 128, Ok("30fa7b6fdd0ed05b5f64aceb4c7f35c465773b449daae770c9cec833c0e8571e")),
    (512, 200, Ok("f429a39234bbb0d1f1908e2f871cd682f563de58958e5b2446bc5f376eed47ae")),
    (512, 256, Ok("a9f3be1380e56eb92fd507491846c5501213bbfeb708f8395592afe2a693b24d")),
    (512, 1000, Ok("2d655e6233988a4a643bc7cea059bef8cf255d6212005bda4989989f922d2b55")),
    (512, 4085, Ok("285de85eb6e3d7288f23d18cce7cad776c07b40b493a142e713701273434beeb")),
    (512, 4086, Ok("4e68b29dac65d577847b33142409347e22762c2da7c0be8a4dd9b8167c441f2e")),
    (512, 4092, Ok("05b6265fa2c051a8d8ff0b740f58c100caec7f82c6950e0ee5c35860f59eff95")),
    (512, 4093, Ok("c16a316a268aabb43a9b26b2c233820e4accedda78531a54442209f94d1efea1")),
    (512, 4095, Ok("330770f722096ae751979126cf04b5ed82aadd12934d423075c78fd4873ae329")),
    (512, 4096, Ok("d605606dfb2017e5db4f194c461183240072085c4ab16fb3762d2cae1a082867")),
    (512, 8171, Ok("a64d4ceb33df753d1bfdad8d30f9b1bd66d713f38fc516e9cc2b725d4923e03c")),
    (512, 8172, Ok("73bda4df764c8965960033e9ce7ee55518354f3fdc450d8bb73a80f8e4757e50")),
    (512, 8178, Ok("8cc91234ad8c6cc1b4d10d601fbfb38b6dc26a8bb2f755a54d0d303fdc556904")),
    (512, 8179, Ok("fd75a60e07537c13bbb95682bf0ab5b38effb33e997bd4785232cd4045d3711b")),
    (512, 8184, Ok("69315901c935d0d2556bdaceb079d6e2d024a5bf0dbe2c37556c795367059f3e")),
    (512, 8185, Ok("b4b4b82bf010d298d61c21d049c350320572f89cacaed700c6498af411f97554")),
    (512, 8197, Ok("236cbc7892e79df0fbc6bd7a50b0da532153078dff7b8c9db8693d49d7a9928b")),
    (512, 8198, Ok("175bbc2cd9cea42eb9245dfdc3403b4070c3e64fb8c5c24ff2ea5ee41cc526af")),
    (512, 8221, Ok("a89b7c4b7ac8ca6fa006c3c986bfb0694c0220ad97af691887ef0533f4ca1739")),
    (512, 8222, Ok("066c4cb753b764c15c0586891402785996d4194568ee98e05e931448b9d55e4b")),
    (512, 10000, Ok("b8c597f1fd227c04022bcef522733b04815e674adf1c59050d5ac0e29dc195f6")),
    (512, 16383, Ok("c3c6bb38758f48b452de353d7eb1054a4d8f56614469c67599c6b23591b9fc53")),
    (512, 16384, Ok("dcb994d1287699599d4c34a4061592551b3aa3ff406dab779656faa46b248ce7")),
    (512, 16393, Ok("1fb8f41b3f47638f023eee7caf4f6f0b079d80d3e6cc15448b33e9951083bf04")),
    (512, 16394, Ok("7a31573733564d0f01aa6b0859603116e70d0212e6367094e882c9cebaf90b71")),
    (512, 32768, Ok("ac595ab88ccf16fe0c038037863bc8338a0c8605bc4cf26435e519f3c64d7bc6")),
    (512, 65535, Ok("fff6817538709c95fe5a5e468d8c9aee3459938ac7f057ffee00208547a9be40")),
    (512, 65536, Ok("f52d2855f52ad818f100e5fa47d5742642476d093d6443f903b0cf8c95a873f2")),
    (512, 100000, Ok("8588ff7707c315d41a83152f4daabd0dc53fe94a294ef38944f02800c6df21f2")),
    (512, 262144, Ok("fd74c062fbb9a7dee93910cb341cc9aefb903b7a7dd269847fe5a5db0c419ba7")),
    (512, 1048576, Ok("324483ea24b389c203b0c5021a4912d479d13f2bb64509790797095b2a1a0496")),
    (512, 4194304, Ok("c33a31234dfcf8b85cea9eee6cda140fe6a482b93934355b119ab8a967ecfda9")),
    (512, 8387317, Ok("a284a8531b250b2dc2ed6acac968c64d842d40789e72f6d7509a68634c407c3a")),
    (512, 8387617, Ok("4b10fe433562b5995b6700dd715acacb6f0d2167028705bebebf5dcf20c77109")),
    (512, 8387618, Ok("ed4872299c0ab9168ee9843c0a2e5b0da52bf79fa36ee98ac0f0b737084eaf14")),
    (512, 9639000, Ok("43b6d0eda18dc91da5b3f1f9bc3bae9429f353bca911323f65afd28721269c9a")),
    (512, 20000000, Ok("259aa89413fabd59c85ef3c74af3996798efe0b7837480cdec398c0c5a43a930")),
    (512, 100000000, Ok("105dec215f62790b75ad9c10310ba1258bdaaba2084a7657315b31534d84f6c6")),
    (1024, 1, Err(5)),
    (1024, 33, Err(5)),
    (1024, 34, Ok("cdc7fd3e4616720b8cbe2cf9bde757dd032168b4f5737379bab51e9ab2876e42")),
    (1024, 64, Ok("6223034121d1abf32773b5cb46c5dc83ff91033dd3122c4668de5f7e2f55b171")),
    (1024, 100, Ok("33d5b9ce9097aa6a9a807e3f2cbd64e278b63931eb7bee001e631aeaa8b9e6bb")),
    (1024, 128, Ok("b7cbf20c929a0a0a6b801a607ee00e9b05104b1125bf423913e4cdf2582f144d")),
    (1024, 200, Ok("2ed75624b9a129488e364011b61f034976e10bf09c1875cd39fa4b1dc836d560")),
    (1024, 256, Ok("9d55b7c6cc014270deebc968d56e66ad0803f1f7eb8611d055e33f6eb0738b50")),
    (1024, 1000, Ok("af3260e35dd2d6077c9ff21e80e02c5924db2d52d759817da109141e12855ebe")),
    (1024, 4085, Ok("5385304e14689f431befce2f0a0d6f36259cfad7df8492bf26d82216e4a69323")),
    (1024, 4086, Ok("a2a8aaa2a8a05586e7d6400880ee911fa95bb199abdc87ed8fe781055635211b")),
    (1024, 4092, Ok("4534ad3cbc5e120537dc12f0f954781306d4b41c39b9e9dc6605ffb19e80b5c9")),
    (1024, 4093, Ok("6c847555a6934b6ca6df7c5ac04da7867a41aa587b7e466f3028b43f0f0ee9ae")),
    (1024, 4095, Ok("001034d2715507a0590cab41afad6823c0ff7f2342547659adeb850901f55485")),
    (1024, 4096, Ok("dc34559621814be431fd35b01bc5aff3696ba2ba6ead19ece450c67be2ded320")),
    (1024, 8171, Ok("8e8b560b6ef6f553b205a2dfb33112777b9c8305deea63e7ba3f7ea06d063300")),
    (1024, 8172, Ok("7430556e0440a056ce58914517a8a48d2c513da574bd69e90fd968752a93ee47")),
    (1024, 8178, Ok("12d40e3d3f83933d6a39c1bb85fdc984c02634d1ccfb08483e62ce386e463fa9")),
    (1024, 8179, Ok("4b75e010dc916585d5302628c923fe2a5191c2aba99a0fca7dd1d2d81c60b6d0")),
    (1024, 8184, Ok("87676aa033fad2d43468ff18728f140dcfa0fe403ede12de88d4ce489145ad68")),
    (1024, 8185, Ok("947d2942d00abef47c642cee8232fd37dc71055c401d769e643a2d98570b9b93")),
    (1024, 8197, Ok("74f83ef8a9509f1e888b667fec7858c9757b7181f63f839e40e034f830fa2f18")),
    (1024, 8198, Ok("82355fa49cd746af00a2249688e64e1f21d889f5ed11aa547a1b080f577cbd82")),
    (1024, 8221, Ok("ef9e6156208713accd22f67feb251212393b08afa5e0b4cf84615df1339a39d6")),
    (1024, 8222, Ok("f6a409d5c76ae8c09dd8e8abe294cf0948872ae55c60a4106fd84302f2f6f64c")),
    (1024, 10000, Ok("2c26679d64a391b60957e070a6755fd987ff600b564b44bbbcb1c0010d9112d2")),
    (1024, 16383, Ok("e6215ade4784e100d3a33b48aae04c9658268a211d97ef252b48eb3bde352205")),
    (1024, 16384, Ok("742fb6c37b4d97988e14d3302e29577b66d06d9c519e5195ac70bf77d3d260a9")),
    (1024, 16393, Ok("3fc932914c7ed9f25c07889908de4faca65744618c1beb6a8c49a2bbdb78a071")),
    (1024, 16394, Ok("2b50fffd04764edfb1a6ab2c1cc83beec5333dcfcec8584630474cda2ff849be")),
    (1024, 32768, Ok("15e3a55ac8db74557d3b5da9f1bd672bb5cfeb7e214e86d6bfbdf8a482c278bd")),
    (1024, 65535, Ok("ee93ec9c907af45701e2f947c5857f46ea980f9c28530f042d035239342800a1")),
    (1024, 65536, Ok("ccdc3d0c2ab0dfc6f428eb2ca23617668cfdc14d2eb5679c2234824f5cc1301d")),
    (1024, 100000, Ok("0a03612d932bce4b232cbcf1dc5571c07e7f2664ec23f29ce96ea8e30f40ba31")),
    (1024, 262144, Ok("e150656c1d92e7cf3bef3edd178f36b3e68b6e5d813402a6f22871827c614ace")),
    (1024, 1048576, Ok("5b90fe07c58110fb150e109908fe859cef0c37de98f0e8a5322a4ef9844d7b06")),
    (1024, 4194304, Ok("1bc3135e19d2e160ea034f0c0820f6285a81daf977b7705d26d84f7fcc8bc248")),
    (1024, 8387173, Ok("f891fd22d8127e27de436373c01fc211cd99a9936d786666d44167f2e30a2bc8")),
    (1024, 8387473, Ok("d5d4b8fbe01218704f7abf9ded590fd182444ff3aaf6fec66e86e187e7512a83")),
    (1024, 8387474, Ok("d4b04ca41565a1d1a8c4490f6b256f8068dc4ab28737649fd5ba6b214ecab0a5")),
    (1024, 9639000, Ok("31fb0cd1c881c79337310fb7967cdbc46385022d1bfc0c72e7e0c6551928ae4c")),
    (2048, 1, Err(5)),
    (2048, 25, Err(5)),
    (2048, 26, Ok("8bea463313716339e4560f39121393b49bce8b7c59cfa327ab3c938a6a15bc8e")),
    (2048, 64, Ok("670a075fd309bb7fb36458ae6aa9b58c02f9be8ef93664126948d2ed41aa0939")),
    (2048, 100, Ok("ee7110b79b67234bd89c70675a2d65dea52b4f23416af4615992a86d046d2c45")),
    (2048, 128, Ok("9b0dcd36831bbd70e093e1dd9dd07c634de9ab8320481ab26bc575aab0e9fd1b")),
    (2048, 200, Ok("7a89bb3138dbc070d9fa76f6427afda81ecd9fe23500c5163ba8a9d2e882a777")),
    (2048, 256, Ok("9ac88256a8096716791802342788f76ceac7d4f23220bbc0ae5db3d310124c24")),
    (2048, 1000, Ok("6203623080be6777f2085130e8bc7a9a00f1a025472825ac6c9801dcb299b56b")),
    (2048, 4085, Ok("5193bf41465f93af8f4c5eea749aae1eaf01ecb5d884f0e67204545333d34494")),
    (2048, 4086, Ok("77c65e169386c8b3174f9b3ee4a02ba67faa8c4ab66a9bd1e813fa9b418dac92")),
    (2048, 4092, Ok("44f3dc2c213100747890923c9baab54903eecce866088b3f7e830c1ad0427636")),
    (2048, 4093, Ok("fbeb951e2a44d20b19f68e762818446fbd34dbdddcb448ce142c6310be7bb965")),
    (2048, 4095, Ok("adddd5fc456cbe937d8b61c20adf1964047a873e2d9e793b000ba1fafbce8cf8")),
    (2048, 4096, Ok("fb6ea5fa9aa40d6ca5a6e1af36f835b4a52c3486c839ffaf58d0704e9b7dc2cd")),
    (2048, 8171, Ok("1ae686258802cf1f0e06d39228048240ae57885fe13596f26a3b6c953d10ccad")),
    (2048, 8172, Ok("690933172111fb3d672603284a75d1f25899f1be290e6db0c4f00d129da6bba2")),
    (2048, 8178, Ok("fe6a3c60396c7aeed2375f05eef4ab0ba83136b91f5987be5e1065ed89cf11be")),
    (2048, 8179, Ok("593d03bfe49de5b5fd29a6d6697921a8bec3a769899abf8adf07d7d431191652")),
    (2048, 8184, Ok("7ab31aeddfd08e9f3882df4d1463cf25d1c48b6040dade1854690dc4b6aa4b65")),
    (2048, 8185, Ok("6b6725dc90ba400e434c9aaf5ce81e9e788520f0ee3919323e7d7843680b1253")),
    (2048, 8197, Ok("f3fb8eb3a32deeb13b9472de8ce48af54cf71911aab43a1a0aa9f6fa07a57f5f")),
    (2048, 8198, Ok("067b5c4bcf5c9d97e328baa55cc28ddc587aa6dac232449fd4c53d2e71036dba")),
    (2048, 8221, Ok("94c149b37139f93c7a606fffd1724ca2b86f904354bbd3a9a3f2dbf7763db6f3")),
    (2048, 8222, Ok("dcd0dc3fd46243dd887d5329af708fc2897a007f21ae620031490a573b825f7f")),
    (2048, 10000, Ok("ea3878a31c13bcc35c9b530cd760778e99b39d3519c991443cc65cfff532ffc3")),
    (2048, 16383, Ok("95049f6ff8e4b9c4a62211f0272a9fa75d93df1730fc6c100ea8946a97ff33c0")),
    (2048, 16384, Ok("491f39fdd5940efb4821ccfbce3aa5f93dcb2d91772967ff65f34ecf0784cfd6")),
    (2048, 16393, Ok("53c357de03b8f8c6927b2851b86ec04dbaaed74326206e06af0502f84ee22a3a")),
    (2048, 16394, Ok("e316fa69d6bd8b593a52aad80c4c2a9aa046209d8efb15620f33c26fe84b4135")),
    (2048, 32768, Ok("b06450ca18cc628347913c15e31ec3315f7a0125dad1e9b67ca0c3acdff93e38")),
    (2048, 65535, Ok("5f15cc9984ea2573892d61d3e6d67329b0680fd56ca141d96e19d62857ba8862")),
    (2048, 65536, Ok("f7e82d8663513fd54588c28a9ea2b144d411f091f64dd444e2710d1d369049f9")),
    (2048, 100000, Ok("501730b236391506693f6501cd77cd9cd94b5df450428680a5182ee403349845")),
    (2048, 262144, Ok("fe6a3ffca4aeb43c969dd746d0ea1d2e01065fc69e833fe0742b8a473bcd6a51")),
    (2048, 1048576, Ok("037168c72035bb47aa10cbc4daa02934aadabaaab186d48055b06d2352f06d9a")),
    (2048, 4194304, Ok("4cebf737ba86ff802e4139055fcb6fc10e90355e1d743a2cfa56eac96508c001")),
    (2048, 8387101, Ok("34365e42eeb0771dda69bddc2e8f48608d7436345ee39cef6c0270aa059fd7e1")),
    (2048, 8387401, Ok("cea832295cd4467b27bf84f31719090015eb08241a65c3e5f0673d9b7c65cd92")),
    (2048, 8387402, Ok("b9de40c34e3f55b97b5620d780a19d07e8bc8033e4a7a58192ffdd14c322e4b0")),
    (2048, 9639000, Ok("c27f6db2a4effaedb8f63dd7a9dd788789be2d8e54799a1d541339b6bdb6cf41")),
    (4096, 1, Err(5)),
    (4096, 21, Err(5)),
    (4096, 22, Ok("7469e1c160d000bdbaeeb3a4c70e5bfd60523a56cfd39a2b5951fca6dd6d032f")),
    (4096, 64, Ok("cc2acbdff3e59693905f7fba6f8c3c37e6ad0db0dec8374e32a59f1ab9c55f1b")),
    (4096, 100, Ok("059b8222f20c74c752905bb295b6bcfbc6694f4fcd8dd05e1e92f2ed344e35a7")),
    (4096, 128, Ok("a66e499e386f2587ab3324f65962d6f79ac1ecf77dd3a9f1adb8214805aaf13e")),
    (4096, 200, Ok("ed013210421d56cf2422969f90a6489c2ce369b1e33feab54463598bae3a96d2")),
    (4096, 256, Ok("fd51203ed0a65b6cc5eb24bb8769f657608f7524310d258495b809947ab2e8a6")),
    (4096, 1000, Ok("887b4f2ffcf6b091c09aaa706f40877887ae75433a01dda8b2a4815f8ebfb671")),
    (4096, 4085, Ok("e77a5e77d7b534694843bb17d767dcd6820a0e326accdb6d69c4dcb93ddb9b4b")),
    (4096, 4086, Ok("f9ef06abbd29adb0b1701d7e1b71af13679856c9f07ed921ea032d13f8f35a3e")),
    (4096, 4092, Ok("f9c1555d283adac4458bcbe843d950e54b1300f32d01a567c3d9ff45231547b1")),
    (4096, 4093, Ok("323d34b47d53b012f2b3d674346e7b18daef2bff812baa012f61a6a2a4eb1c4a")),
    (4096, 4095, Ok("7c3be16e404532b104747d1cd2d2bac3b45ca2b4522f24123b0339a63b463eb7")),
    (4096, 4096, Ok("ec3e2d1d6bbfa8aa8239d19de936a0414737203c75f1db6d76a2516efba604c1")),
    (4096, 8171, Ok("ca5df6d8fd96b12925024f523dcd741b793ec5cc072de2de4b398afd2c919b1e")),
    (4096, 8172, Ok("1d2aada411652b36f5e66b0ca931afd076ef371abd82dc013c0caae669dd5a69")),
    (4096, 8178, Ok("bf220a974222fa1cfa0889e50d54a2a66980bdae2658dfeb76b5fa21a6ed8712")),
    (4096, 8179, Ok("7e00b431567423af42965aa7018063f8db9d521d12eab461d370371115645dc5")),
    (4096, 8184, Ok("bf35dfcee760a03040046a3e8da69a9a9b72e9dd8c4134ef1594cc10d1d08bd4")),
    (4096, 8185, Ok("3f64295651c54fe65e4d58a3525a32da9f8ff53ff7317fb866e28d9f52359ae0")),
    (4096, 8197, Ok("e6d405b279af9c1f7084d20d8febdfd576d788c800f8cbe08b739f17294ad467")),
    (4096, 8198, Ok("9536d11a873fe6e0f4d5ef17230878d2adf7a3bfb6dbce7d50f30e0bb0766c12")),
    (4096, 8221, Ok("e6d12b3eea2d72341f58375c64f15044d4b8b2f57ca43f628cb1dfbc5b124c41")),
    (4096, 8222, Ok("0cc34472a2f367e8723ada356b8bc5887f0c8a65e146671f7dec8f73dbc56a1e")),
    (4096, 10000, Ok("5a6a1583e41546aca602721702909e316fb38df55cb4448cca22294cd7e2a2a8")),
    (4096, 16383, Ok("eda68062a4cdbd6cb979a93145a6f726e917ef3d6bcc3c9b722968a5df1e39fd")),
    (4096, 16384, Ok("06d3817ae0e69bcb901b372a619cf1e4e4920379959bc3229cb44444ce55a7cd")),
    (4096, 16393, Ok("330df51e108ccab311c323bccec7b730ee5e4b714ddb61dfb794f76c9e739ad3")),
    (4096, 16394, Ok("d45fe735c2982e2daf5e888750d18dc5fa8b525b5c3957e48f1b387dc83529f7")),
    (4096, 32768, Ok("2b0564fecc089959d2d6e334608fb93fc1ab8910aa12b6f6514f3b0982cad21f")),
    (4096, 65535, Ok("485319c1e38bf9902b1c9e413c738662ecab9956b65f9ca50729c2bba33f767c")),
    (4096, 65536, Ok("2fe562c4bf5ce76d919943773aa202fe539602b495935f7d32edb4755f00fcf7")),
    (4096, 100000, Ok("876cf9f98b5e9a4af12e12bf128b250733d8efd381e6f406a0ffd3a0ca55f33c")),
    (4096, 262144, Ok("ed68026088b87afd7a0aff71cb7dd5cc05b88ba801ea088dd975ff471349eba5")),
    (4096, 1048576, Ok("e8ed0266ede01526122ed54bba07d1718b393b513ad7e597f13b541133d28ccd")),
    (4096, 4194304, Ok("ff54a74c45a6000df7a3690b90dd251a6966041ae2926c8836765e8a5d6be700")),
    (4096, 8387065, Ok("e7cd7c23c48729fb8f0d57e2fa69f2999576c5bebab250b66d65ead82f4edf95")),
    (4096, 8387365, Ok("73faf64640346899f8b203be7319f95eb4a8fd23242b75be44c5a6ce79826e83")),
    (4096, 8387366, Ok("8a4a8f900fff85346d89ea0a81121def462aef602cd3d5e92849443e7e06c01d")),
    (4096, 9639000, Ok("fd170f379c8045bd028a3171ddc8c5fae317af1d308962e07b9c322d122490bf")),
    (4096, 20000000, Ok("051fb7c4cce0875324a4a5351f7f232028f3a1db59d5d4619b46dec97181e3ab")),
    (4096, 100000000, Ok("d5dbd0e32a1d910a59449d80a8de0fe26fa04cbf234b02bb1d3f899d8e5efb9a")),
];

#[test]
fn same_as_micropython_recorded() {
    let mut bad = Vec::new();
    for &(bs, n, want) in CASES {
        let got = uvfs_mkfs(bs, n, None).map(|(img, _)| digest(bs, &img));
        let got = got.as_deref().map_err(|e| e.code());
        if got != want {
            bad.push(format!("{bs} x {n}: uvfs {got:?}, MicroPython {want:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(CASES.len() > 100);
}

/// One MicroPython result: `Err(errno)`, or the image, the blocks written, and the time before
/// and after mkfs.
type Oracle = std::result::Result<(Image, String, f64, f64), i32>;

fn run_micropython(cases: &[(u32, u32)]) -> Vec<Oracle> {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("mkfs_oracle.py");
    std::fs::write(&script, include_str!("mkfs_oracle.py")).unwrap();
    let command = std::env::var_os("UVFS_MICROPYTHON").unwrap_or_else(|| "micropython".into());
    let out = Command::new(command)
        .arg(&script)
        .args(cases.iter().map(|(b, n)| format!("{b}:{n}")))
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), cases.len(), "{text}");
    lines
        .iter()
        .zip(cases)
        .map(|(line, &(bs, n))| {
            let f: Vec<&str> = line.split(' ').collect();
            assert_eq!((f[0], f[1]), (&*bs.to_string(), &*n.to_string()));
            if f[2] == "ERR" {
                return Err(f[3].parse().unwrap());
            }
            let img = f[6..]
                .iter()
                .map(|rec| {
                    let (b, hex) = rec.split_once(':').unwrap();
                    let bytes = (0..hex.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                        .collect();
                    (b.parse().unwrap(), bytes)
                })
                .collect();
            Ok((
                img,
                f[5].to_owned(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            ))
        })
        .collect()
}

/// The first byte offsets where two images differ.
fn differences(bs: u32, a: &Image, b: &Image) -> Vec<u64> {
    let zero = vec![0u8; bs as usize];
    let mut out = Vec::new();
    for k in a.keys().chain(b.keys()) {
        let (x, y) = (a.get(k).unwrap_or(&zero), b.get(k).unwrap_or(&zero));
        for i in 0..bs as usize {
            if x[i] != y[i] && out.len() < 16 {
                out.push(u64::from(*k) * u64::from(bs) + i as u64);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn same_as_micropython_now() {
    if uvfs_testkit::micropython::Oracle::for_tests().is_none() {
        return;
    }
    let cases: Vec<(u32, u32)> = CASES.iter().map(|&(b, n, _)| (b, n)).collect();
    let results = run_micropython(&cases);
    let mut bad = Vec::new();
    for (&(bs, n), mp) in cases.iter().zip(results) {
        match mp {
            Err(errno) => {
                println!("    ({bs}, {n}, Err({errno})),");
                let got = uvfs_mkfs(bs, n, None).map(|_| ()).map_err(|e| e.code());
                if got != Err(errno) {
                    bad.push(format!(
                        "{bs} x {n}: uvfs {got:?}, MicroPython errno {errno}"
                    ));
                }
            }
            Ok((img, written, t0, t1)) => {
                println!("    ({bs}, {n}, Ok(\"{}\")),", digest(bs, &img));
                // FatFs's serial number is its clock: the FAT date and time of mkfs.
                let t = from_fat(serial(bs, &img));
                assert!(
                    t >= t0.floor() as i64 - 2 && t <= t1.ceil() as i64,
                    "{bs} x {n}: serial {t} not between {t0} and {t1}"
                );
                match uvfs_mkfs(bs, n, Some(t)) {
                    // The same sectors written, too: the same result on a device that is
                    // not zero-filled.
                    Ok((mine, w)) if mine == img && w == written => {}
                    Ok((mine, w)) if mine == img => bad.push(format!(
                        "{bs} x {n}: uvfs writes blocks {w}, MicroPython {written}"
                    )),
                    Ok((mine, _)) => bad.push(format!(
                        "{bs} x {n}: differs at byte offsets {:?}",
                        differences(bs, &mine, &img)
                    )),
                    Err(e) => bad.push(format!("{bs} x {n}: uvfs {e:?}, MicroPython an image")),
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The FAT32 volume MicroPython's mkfs makes lies in a partition: VfsFat finds it there (as
/// FatFs does), and `mount(_, mkfs = true)` mounts what it made.
#[test]
fn fat32_in_a_partition_mounts() {
    let mut fs = VfsFat::new(Sparse::new(512, 8_387_617)).unwrap();
    fs.mount(false, true).unwrap();
    let info = fs.volume_info().unwrap();
    assert_eq!(info.fat_type, FatType::Fat32);
    assert_eq!(info.total_sectors, 8_387_617 - 63);
    let h = fs.open("/f", OpenMode::parse("w").unwrap()).unwrap();
    fs.write(h, b"hello").unwrap();
    fs.close(h).unwrap();
    fs.umount().unwrap();
    fs.mount(true, false).unwrap();
    let h = fs.open("/f", OpenMode::parse("r").unwrap()).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(fs.read(h, &mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"hello");
    fs.close(h).unwrap();
    fs.check().unwrap();
    fs.umount().unwrap();
    // The partition table and the volume's first sector, where MicroPython puts them.
    let img = fs.into_device().nonzero();
    assert_eq!(img[&0][446 + 4], 0x0C);
    assert_eq!(&img[&63][82..90], b"FAT32   ");
}

/// Where FatFs would make a FAT16 volume of exactly 65525 clusters (FAT32 by Microsoft's rule,
/// which fatfs follows), uvfs takes the next cluster size: the one named deviation.
#[test]
fn no_fat16_volume_of_65525_clusters() {
    let mut fs = VfsFat::new(Sparse::new(512, 2_097_089)).unwrap();
    fs.mount(false, true).unwrap();
    let info = fs.volume_info().unwrap();
    // FatFs: 32 sectors per cluster and 65525 clusters.
    assert_eq!(
        (info.fat_type, info.sectors_per_cluster),
        (FatType::Fat16, 64)
    );
    assert_eq!(info.clusters, 32_764);
}

/// A wider sweep against the `micropython` command (`cargo test -p uvfs-backend-fat --test tests
/// -- --ignored mkfs_identity`): every size up to 6000 sectors and 200 sizes spread over
/// 2^14..2^27 per sector size, skipping the sizes of the named deviation.
#[test]
#[ignore = "slow: thousands of mkfs runs in MicroPython and uvfs"]
fn same_as_micropython_sweep() {
    if uvfs_testkit::micropython::Oracle::for_tests().is_none() {
        return;
    }
    let mut cases = Vec::new();
    for bs in [512u32, 1024, 2048, 4096] {
        cases.extend((1..=6_000).map(|n| (bs, n)));
        let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(bs);
        for _ in 0..200 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push((bs, (1 << 14) + (x % ((1 << 27) - (1 << 14))) as u32));
        }
    }
    let mut bad = Vec::new();
    let mut checked = 0;
    for chunk in cases.chunks(2000) {
        for (&(bs, n), mp) in chunk.iter().zip(run_micropython(chunk)) {
            let mine = match &mp {
                Err(_) => uvfs_mkfs(bs, n, None).map(|_| (BTreeMap::new(), String::new())),
                Ok((img, _, _, _)) => uvfs_mkfs(bs, n, Some(from_fat(serial(bs, img)))),
            };
            match (mp, mine) {
                (Err(e), Err(m)) if m.code() == e => {}
                (Ok((img, w, _, _)), Ok((mine, mw))) if mine == img && mw == w => {}
                (Ok((img, _, _, _)), Ok((mine, _))) if fat16_clusters(bs, &img) == Some(65_525) => {
                    assert_ne!(fat16_clusters(bs, &mine), Some(65_525));
                    continue;
                }
                (mp, mine) => bad.push(format!(
                    "{bs} x {n}: MicroPython {:?}, uvfs {:?}",
                    mp.map(|_| "image"),
                    mine.map(|_| "another image")
                )),
            }
            checked += 1;
        }
    }
    eprintln!(
        "{checked} sizes identical or the same errno; {} differ",
        bad.len()
    );
    assert!(bad.is_empty(), "{}", bad[..bad.len().min(20)].join("\n"));
}

/// The cluster count of a FAT12/16 image without a partition table.
fn fat16_clusters(bs: u32, img: &Image) -> Option<u32> {
    let b = img.get(&0)?;
    if b[0] != 0xEB {
        return None;
    }
    let f = |o: usize| u32::from(u16::from_le_bytes([b[o], b[o + 1]]));
    let total = if f(19) != 0 {
        f(19)
    } else {
        u32::from_le_bytes(b[32..36].try_into().unwrap())
    };
    let data = f(14) + f(22) * u32::from(b[16]) + f(17) * 32 / bs;
    Some((total - data) / u32::from(b[13]))
}

/// MicroPython's layout goes up to 128 sectors per cluster on FAT16 (64 KiB clusters at
/// 512-byte sectors, 512 KiB at 4096): VfsFat (and fatfs under it) use such volumes.
#[test]
fn large_fat16_clusters_work() {
    for bs in [512u32, 4096] {
        let mut fs = VfsFat::new(Sparse::new(bs, 4_194_304)).unwrap();
        fs.mount(false, true).unwrap();
        let info = fs.volume_info().unwrap();
        assert_eq!(
            (info.fat_type, info.sectors_per_cluster),
            (FatType::Fat16, 128)
        );
        fs.mkdir("/d").unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let h = fs.open("/d/f", OpenMode::parse("w").unwrap()).unwrap();
        fs.write(h, &data).unwrap();
        fs.close(h).unwrap();
        fs.umount().unwrap();
        fs.mount(true, false).unwrap();
        let h = fs.open("/d/f", OpenMode::parse("r").unwrap()).unwrap();
        let mut back = vec![0u8; data.len() + 1];
        let mut got = 0;
        loop {
            let n = fs.read(h, &mut back[got..]).unwrap();
            if n == 0 {
                break;
            }
            got += n;
        }
        assert_eq!(&back[..got], &data[..], "{bs}");
        fs.close(h).unwrap();
        fs.check().unwrap();
        fs.umount().unwrap();
    }
}
