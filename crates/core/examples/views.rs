//! Prints the views and hidden runs the normaliser makes of each argument:
//! `cargo run -p gatehouse-core --example views -- "1gn0r3 ＡＬＬ"`.
fn main() {
    let limits = gatehouse_core::policy::Limits::default();
    for arg in std::env::args().skip(1) {
        let n = gatehouse_core::normalise::normalise(&arg, &limits);
        for v in &n.views {
            println!("{:?}: {:?}", v.kind, v.text);
        }
        println!("hidden: {:?}", n.hidden);
    }
}
