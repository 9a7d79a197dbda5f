//! Debug helper: prints the views of each argument.
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
